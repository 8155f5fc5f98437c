import NIOCore
import RoostStorage
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Write failures injected through `StorageFaults`: appends fail with `io` and the errno, nothing confirmed
/// is damaged, and the log heals or stays fenced as Docs/reliability.md says.
@Suite("Reliability: disk full and I/O errors")
struct WriteFaultTests {
    private func withFaultyStore(
        fsync: FsyncPolicy, _ body: (TemporaryDirectory, FaultyDisk, DiskLogStore, any TopicLog) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { dir in
            let disk = FaultyDisk(dir.path)
            defer { disk.uninstall() }
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "t", configuration: LogConfiguration(fsync: fsync))
            try await body(dir, disk, store, log)
        }
    }

    @Test(arguments: [FsyncPolicy.always, .never], [ENOSPC, EIO])
    func failedWriteFailsTheAppendKeepsConfirmedAndHeals(fsync: FsyncPolicy, code: Int32) async throws {
        try await withFaultyStore(fsync: fsync) { dir, disk, store, log in
            for i in 0..<10 { _ = try await log.append([record("m\(i)")]) }
            disk.failWrites(code)
            for i in 10..<13 {
                let error = await #expect(throws: LogError.self) { try await log.append([record("lost\(i)")]) }
                #expect(error?.code == .io)
                #expect(error?.errno == code)
            }
            #expect(disk.injectedCount == 3)
            #expect(log.endOffset == 10)
            #expect(try values(log) == (0..<10).map { "m\($0)" })
            // Space returns: the next append goes on at the next dense offset.
            disk.failWrites(0)
            let result = try await log.append([record("m10"), record("m11")])
            #expect(result.baseOffset == 10)
            #expect(try values(log) == (0..<12).map { "m\($0)" })
            try store.close()
            // And the file holds exactly that after an unclean reopen (full scan).
            Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker))
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(reopened.recoveryReport.bytesTruncated == 0)
            #expect(try values(#require(reopened.log(named: "t"))) == (0..<12).map { "m\($0)" })
            try reopened.close()
        }
    }

    @Test func concurrentAppendsDuringAFaultAllFailAndNoneIsConfirmed() async throws {
        try await withFaultyStore(fsync: .always) { dir, disk, store, log in
            _ = try await log.append([record("before")])
            disk.failWrites(ENOSPC)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<50 { group.addTask { (try? await log.append([record("x\(i)")])) != nil } }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { !$0 })
            #expect(log.endOffset == 1)
            disk.failWrites(0)
            let results = await withTaskGroup(of: Int64?.self) { group in
                for i in 0..<50 { group.addTask { try? await log.append([record("y\(i)")]).baseOffset } }
                return await group.reduce(into: [Int64?]()) { $0.append($1) }
            }
            #expect(results.compactMap { $0 }.sorted() == Array(1...50))
            #expect(try values(log).count == 51)
            try store.close()
        }
    }

    @Test(arguments: [EIO, ENOSPC])
    func failedSyncCutsTheUnsyncedBytesAndPublishingResumes(code: Int32) async throws {
        try await withFaultyStore(fsync: .always) { dir, disk, store, log in
            for i in 0..<5 { _ = try await log.append([record("m\(i)")]) }
            let segment = Surgery.segment(dir, "t", base: 0)
            // The end of the batches: the file may hold preallocated zeros after them, which the cut removes too.
            var durableSize = 0
            _ = try SegmentInspector(path: segment).walk(decodeRecords: false) { durableSize = $0.position + $0.header.batchLength }
            disk.failSyncs(code)
            for i in 0..<3 {
                let error = await #expect(throws: LogError.self) { try await log.append([record("unsynced\(i)")]) }
                #expect(error?.code == .io)
                #expect(error?.errno == code)
                // The bytes whose fdatasync failed are cut, not kept for a retried sync.
                #expect(Surgery.size(segment) == durableSize)
            }
            #expect(log.endOffset == 5)
            #expect(try values(log) == (0..<5).map { "m\($0)" })
            // The disk heals: the next append goes on at the next dense offset, without a restart.
            disk.failSyncs(0)
            #expect(try await log.append([record("m5")]).baseOffset == 5)
            #expect(try await log.append([record("m6"), record("m7")]).baseOffset == 6)
            #expect(try values(log) == (0..<8).map { "m\($0)" })
            try store.close()
            Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker))
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(reopened.recoveryReport.bytesTruncated == 0)
            #expect(reopened.recoveryReport.damaged.isEmpty)
            #expect(try values(#require(reopened.log(named: "t"))) == (0..<8).map { "m\($0)" })
            try reopened.close()
        }
    }

    @Test func concurrentAppendsDuringASyncFaultFailAndOffsetsStayDenseAfter() async throws {
        try await withFaultyStore(fsync: .always) { _, disk, store, log in
            _ = try await log.append([record("before")])
            disk.failSyncs(EIO)
            let failed = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<40 { group.addTask { (try? await log.append([record("x\(i)")])) == nil } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(failed == 40)
            disk.failSyncs(0)
            let offsets = await withTaskGroup(of: Int64?.self) { group in
                for i in 0..<40 { group.addTask { try? await log.append([record("y\(i)")]).baseOffset } }
                return await group.reduce(into: [Int64?]()) { $0.append($1) }
            }
            #expect(offsets.compactMap { $0 }.sorted() == Array(1...40))
            #expect(try values(log).count == 41)
            try store.close()
        }
    }

    @Test func failedRollDoesNotLoseTheActiveSegment() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "r", configuration: LogConfiguration(segmentBytes: 1024, fsync: .always))
            let payload = String(repeating: "p", count: 200)
            for i in 0..<4 { _ = try await log.append([record("\(i)\(payload)")]) }
            // Fail every write of the directory (index files and the new segment too) around the roll.
            StorageFaults.install(under: dir.path) { operation, _ in operation == .write ? ENOSPC : nil }
            for i in 4..<8 { _ = try? await log.append([record("\(i)\(payload)")]) }
            StorageFaults.remove(under: dir.path)
            let end = log.endOffset
            for i in Int(end)..<Int(end) + 8 { _ = try await log.append([record("\(i)\(payload)")]) }
            #expect(try values(log) == (0..<Int(end) + 8).map { "\($0)\(payload)" })
            try store.close()
            Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker))
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(try values(#require(reopened.log(named: "r"))) == (0..<Int(end) + 8).map { "\($0)\(payload)" })
            try reopened.close()
        }
    }
}
