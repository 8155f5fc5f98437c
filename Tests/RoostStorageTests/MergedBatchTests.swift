import Dispatch
import NIOCore
import RoostStorage
import RoostTesting
import Testing

/// Group commit merges queued appends into batches of at most `mergedBatchBytes`; one write still carries all
/// of them, and a single append larger than the cap keeps a batch of its own.
@Suite struct MergedBatchTests {
    @Test func queuedAppendsMergeIntoBatchesUpToTheCap() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            var config = testConfiguration()
            config.mergedBatchBytes = 4096
            config.maxBatchBytes = 64 << 10
            let log = try store.createLog(named: "m", configuration: config)
            let release = await holdWriter(log, appending: record("first"))
            let value = String(repeating: "v", count: 200)
            for i in 0..<100 { log.append([record("\(value)\(i)")]) { _ in } }
            log.append([Record(value: ByteBuffer(repeating: 7, count: 10_000))]) { _ in }
            release.signal()
            await withCheckedContinuation { c in log.notifyWhenReadable(beyond: 101) { c.resume() } }

            var batches: [RecordBatchHeader] = []
            let inspector = try SegmentInspector(path: segmentPath(dir, "m"))
            #expect(try inspector.walkPastDamage(decodeRecords: false) { batches.append($0.header) }.isEmpty)
            let merged = batches.dropFirst().dropLast()
            #expect(merged.count >= 5, "100 appends of ~210 bytes do not fit one 4 KiB batch")
            #expect(merged.allSatisfy { $0.batchLength <= 4096 })
            #expect(merged.contains { $0.recordCount > 1 }, "appends are still merged")
            #expect(batches.last?.recordCount == 1)
            #expect((batches.last?.batchLength ?? 0) > 10_000, "a large append keeps a batch of its own")
            #expect(try readAll(log).count == 102)
            try store.close()
        }
    }
}
