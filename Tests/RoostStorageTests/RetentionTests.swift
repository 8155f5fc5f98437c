import NIOCore
import RoostStorage
import RoostTesting
import Testing

@Suite struct RetentionTests {
    @Test func rollsBySize() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "r", configuration: testConfiguration(segmentBytes: 2048))
            for i in 0..<100 { _ = try await log.append([record(String(repeating: "a", count: 100) + "\(i)")]) }
            let disk = try #require(store.diskLog(named: "r"))
            #expect(disk.segmentCount > 4)
            for base in disk.segmentBaseOffsets {
                #expect(Files.size(segmentPath(dir, "r", base: base)) <= 2048)
            }
            #expect(try readAll(log).count == 100)
            try store.close()
        }
    }

    @Test func rollsByAgeThroughTheClock() async throws {
        let clock = ManualClock()
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path, clock: clock)
            var config = testConfiguration()
            config.segmentMilliseconds = 60_000
            let log = try store.createLog(named: "age", configuration: config)
            _ = try await log.append([record("a")])
            clock.advance(by: 59_999)
            _ = try await log.append([record("b")])
            #expect(store.diskLog(named: "age")?.segmentCount == 1)
            clock.advance(by: 1)
            _ = try await log.append([record("c")])
            #expect(store.diskLog(named: "age")?.segmentBaseOffsets == [0, 2])
            // Time lookups with an empty active segment after the sealed ones.
            clock.advance(by: 60_000)
            _ = try await log.append([record("d")])
            clock.advance(by: 60_000)
            _ = try await log.append([record("e")])
            let disk = try #require(store.diskLog(named: "age"))
            #expect(disk.segmentBaseOffsets == [0, 2, 3, 4])
            #expect(try log.offset(forTimestamp: 0) == 0)
            #expect(try log.offset(forTimestamp: clock.nowMilliseconds()) == 4)
            #expect(try log.offset(forTimestamp: clock.nowMilliseconds() + 1) == 5)
            try store.close()

            // A crash tore the whole last batch: the active segment is empty behind sealed ones.
            Files.truncate(segmentPath(dir, "age", base: 4), to: 0)
            Files.remove(dir.appending(LogFileNames.cleanShutdownMarker))
            let reopened = try DiskLogStore(directory: dir.path, clock: clock)
            let again = try #require(reopened.log(named: "age"))
            #expect(again.endOffset == 4)
            #expect(try again.offset(forTimestamp: 0) == 0)
            #expect(try again.offset(forTimestamp: clock.nowMilliseconds()) == 4)
            try reopened.close()
        }
    }

    @Test func deletesSegmentsByAgeButNeverTheActiveOne() async throws {
        let clock = ManualClock()
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path, clock: clock)
            let hour: Int64 = 3_600_000
            let log = try store.createLog(named: "old", configuration: testConfiguration(segmentBytes: 1024, retentionMilliseconds: hour))
            for i in 0..<40 {
                _ = try await log.append([record(String(repeating: "o", count: 60) + "\(i)")])
                clock.advance(by: 60_000)  // 40 minutes in all
            }
            #expect(try store.enforceRetention() == 0)
            let disk = try #require(store.diskLog(named: "old"))
            let before = disk.segmentBaseOffsets
            #expect(before.count > 3)
            clock.advance(by: hour)
            let deleted = try store.enforceRetention()
            #expect(deleted == before.count - 1)
            #expect(disk.segmentBaseOffsets == [before.last!])
            #expect(log.startOffset == before.last!)
            #expect(!Files.exists(segmentPath(dir, "old", base: 0)))
            let error = #expect(throws: LogError.self) { try log.read(from: 0, maxRecords: 1, maxBytes: 1) }
            #expect(error?.code == .offsetOutOfRange)
            #expect(error?.earliestOffset == before.last!)
            #expect(try log.read(from: log.startOffset, maxRecords: 100, maxBytes: 1 << 20).records.last?.offset == 39)
            try store.close()
            let reopened = try DiskLogStore(directory: dir.path, clock: clock)
            #expect(reopened.log(named: "old")?.startOffset == before.last!)
            try reopened.close()
        }
    }

    @Test func deletesOldestSegmentsBySize() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "big", configuration: testConfiguration(segmentBytes: 1024, retentionBytes: 3000))
            for i in 0..<100 { _ = try await log.append([record(String(repeating: "s", count: 60) + "\(i)")]) }
            let deleted = try store.enforceRetention()
            #expect(deleted > 0)
            #expect(log.sizeInBytes >= 3000)
            let disk = try #require(store.diskLog(named: "big"))
            let oldest = try #require(disk.segmentBaseOffsets.first)
            #expect(log.sizeInBytes - Int64(Files.size(segmentPath(dir, "big", base: oldest))) < 3000 + 100)
            #expect(log.startOffset == oldest)
            #expect(try readAll(log).last?.offset == 99)
            try store.close()
        }
    }

    @Test func readerKeepsReadingASegmentDeletedUnderIt() async throws {
        let clock = ManualClock()
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path, clock: clock)
            let log = try store.createLog(named: "live", configuration: testConfiguration(segmentBytes: 1024, retentionMilliseconds: 1000))
            for i in 0..<50 { _ = try await log.append([record(String(repeating: "l", count: 60) + "\(i)")]) }
            // Readers racing with retention: every read either succeeds with dense records or reports the
            // new start offset; never garbage.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for _ in 0..<200 {
                        do {
                            let page = try log.read(from: 0, maxRecords: 50, maxBytes: 1 << 20)
                            #expect(page.records.enumerated().allSatisfy { $0.element.offset == Int64($0.offset) })
                        } catch let error as LogError {
                            #expect(error.code == .offsetOutOfRange)
                        }
                    }
                }
                group.addTask {
                    clock.advance(by: 10_000)
                    _ = try store.enforceRetention()
                }
                try await group.waitForAll()
            }
            #expect(log.startOffset > 0)
            try store.close()
        }
    }
}
