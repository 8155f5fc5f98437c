import Dispatch
import NIOCore
import RoostStorage
import RoostTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A record whose value (and optional key) are the UTF-8 of the given strings.
func record(_ value: String, key: String? = nil, headers: [RecordHeader] = []) -> Record {
    Record(key: key.map { ByteBuffer(string: $0) }, headers: headers, value: ByteBuffer(string: value))
}

extension ByteBuffer {
    var string: String { String(buffer: self) }
}

/// Reads every record in `from ..< log.endOffset`.
func readAll(_ log: any TopicLog, from start: Int64? = nil, pageSize: Int = 10_000) throws -> [StoredRecord] {
    var offset = start ?? log.startOffset
    var all: [StoredRecord] = []
    while offset < log.endOffset {
        let result = try log.read(from: offset, maxRecords: pageSize, maxBytes: 64 << 20)
        if result.records.isEmpty { break }
        all += result.records
        offset = result.nextOffset
    }
    return all
}

/// Appends `first` and holds the log's writer inside its completion until the returned semaphore is signalled,
/// so that the appends made meanwhile stay queued (and are then written together).
func holdWriter(_ log: any TopicLog, appending first: Record) async -> DispatchSemaphore {
    let (held, holding) = AsyncStream<Void>.makeStream()
    let release = DispatchSemaphore(value: 0)
    log.append([first]) { _ in
        holding.yield()
        release.wait()
    }
    for await _ in held { break }
    return release
}

/// Low-level file surgery for crash and corruption tests.
enum Files {
    static func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }

    static func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: size(path))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return Array(bytes.prefix(max(n, 0)))
    }

    static func write(_ path: String, _ bytes: [UInt8], at position: Int) {
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(position)) }
    }

    static func truncate(_ path: String, to size: Int) {
        _ = Glibc.truncate(path, off_t(size))
    }

    static func remove(_ path: String) { unlink(path) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}

/// The path of the `.log` file of the segment starting at `base` of `topic` in `directory`.
func segmentPath(_ directory: TemporaryDirectory, _ topic: String, base: Int64 = 0, suffix: String = LogFileNames.logSuffix) -> String {
    directory.appending(topic) + "/" + LogFileNames.stem(baseOffset: base) + suffix
}

/// A configuration without fsync (tests check behaviour, not durability) unless asked.
func testConfiguration(
    _ codec: CompressionCodec = .none, fsync: FsyncPolicy = .never, segmentBytes: Int = 64 << 20,
    retentionMilliseconds: Int64? = nil, retentionBytes: Int64? = nil, indexIntervalBytes: Int = 4096
) -> LogConfiguration {
    LogConfiguration(
        segmentBytes: segmentBytes, retentionMilliseconds: retentionMilliseconds, retentionBytes: retentionBytes,
        compression: codec, fsync: fsync, indexIntervalBytes: indexIntervalBytes)
}
