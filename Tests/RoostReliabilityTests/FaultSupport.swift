import Atomics
import NIOCore
import RoostStorage
import RoostTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A disk that can be made to fail: while `failing` holds an errno, the chosen operation on segment files of
/// the directory fails with it. Installed for one temporary directory, removed with `uninstall()`.
final class FaultyDisk: Sendable {
    let directory: String
    private let writeErrno = ManagedAtomic<Int32>(0)
    private let syncErrno = ManagedAtomic<Int32>(0)
    private let injected = ManagedAtomic<Int>(0)

    init(_ directory: String) {
        self.directory = directory
        StorageFaults.install(under: directory) { [writeErrno, syncErrno, injected] operation, path in
            guard path.hasSuffix(LogFileNames.logSuffix) else { return nil }
            let code = (operation == .write ? writeErrno : syncErrno).load(ordering: .sequentiallyConsistent)
            guard code != 0 else { return nil }
            injected.wrappingIncrement(ordering: .sequentiallyConsistent)
            return code
        }
    }

    /// Makes writes fail with `code` (0: succeed again).
    func failWrites(_ code: Int32) { writeErrno.store(code, ordering: .sequentiallyConsistent) }
    /// Makes syncs fail with `code` (0: succeed again).
    func failSyncs(_ code: Int32) { syncErrno.store(code, ordering: .sequentiallyConsistent) }

    /// Operations that were failed, for asserting that the fault was actually hit.
    var injectedCount: Int { injected.load(ordering: .sequentiallyConsistent) }

    func uninstall() { StorageFaults.remove(under: directory) }
}

/// The values of every record of `log`, in offset order, checking that offsets are dense from `startOffset`.
func values(_ log: any TopicLog) throws -> [String] {
    var offset = log.startOffset
    var all: [String] = []
    while offset < log.endOffset {
        let result = try log.read(from: offset, maxRecords: 1_000, maxBytes: 1 << 20)
        if result.records.isEmpty { break }
        for record in result.records {
            guard record.offset == offset else { throw DenseOffsetError(expected: offset, found: record.offset) }
            all.append(String(buffer: record.value))
            offset += 1
        }
    }
    return all
}

struct DenseOffsetError: Error {
    let expected: Int64
    let found: Int64
}

func record(_ value: String) -> Record { Record(value: ByteBuffer(string: value)) }

/// Byte surgery on closed store files.
enum Surgery {
    static func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }

    static func flipBit(_ path: String, at position: Int) {
        let fd = open(path, O_RDWR)
        defer { close(fd) }
        var byte: UInt8 = 0
        _ = pread(fd, &byte, 1, off_t(position))
        byte ^= 0x10
        _ = pwrite(fd, &byte, 1, off_t(position))
    }

    static func truncate(_ path: String, to size: Int) { _ = Glibc.truncate(path, off_t(size)) }
    static func remove(_ path: String) { unlink(path) }
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func segment(_ directory: TemporaryDirectory, _ topic: String, base: Int64, _ suffix: String = LogFileNames.logSuffix) -> String {
        directory.appending(topic) + "/" + LogFileNames.stem(baseOffset: base) + suffix
    }

    /// Base offsets of the segments of `topic`, sorted.
    static func segmentBases(_ directory: TemporaryDirectory, _ topic: String) -> [Int64] {
        guard let dir = opendir(directory.appending(topic)) else { return [] }
        defer { closedir(dir) }
        var bases: [Int64] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if let base = LogFileNames.baseOffset(ofSegmentFile: name) { bases.append(base) }
        }
        return bases.sorted()
    }
}
