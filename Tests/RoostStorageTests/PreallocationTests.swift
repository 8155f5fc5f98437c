import Foundation
import NIOCore
import RoostStorage
import RoostTesting
import Testing

/// The zero-filled tail of the active segment (`LogConfiguration.preallocateBytes`): readers, sizes, recovery,
/// rolls, close and `roost log verify` see only the batches, never the zeros.
@Suite struct PreallocationTests {
    func configuration(preallocate: Int = 64 << 10, segmentBytes: Int = 64 << 20) -> LogConfiguration {
        var c = testConfiguration(fsync: .always, segmentBytes: segmentBytes)
        c.preallocateBytes = preallocate
        return c
    }

    /// Runs `write` on a store with `topic` created, copies the topic's files byte for byte while the store is
    /// still open (what a crash leaves: the zero tail, no marker), closes it, and runs `check` on the copy.
    func withCrash(
        topic: String, write: (DiskLogStore, any TopicLog, TemporaryDirectory) async throws -> Void,
        check: (TemporaryDirectory) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { dir in
            try await withTemporaryDirectory { crashed in
                let store = try DiskLogStore(directory: dir.path)
                try await write(store, try store.createLog(named: topic, configuration: configuration()), dir)
                let from = dir.appending(topic), to = crashed.appending(topic)
                try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
                for name in try FileManager.default.contentsOfDirectory(atPath: from) {
                    Files.write(to + "/" + name, Files.read(from + "/" + name), at: 0)
                }
                try store.close()
                try await check(crashed)
            }
        }
    }

    /// Where the verified batches of a segment file end.
    func batchesEnd(_ path: String) throws -> Int {
        var end = 0
        #expect(try SegmentInspector(path: path).walkPastDamage(decodeRecords: false) { end = $0.position + $0.header.batchLength }.isEmpty)
        return end
    }

    func appendSingles(_ log: any TopicLog, _ count: Int, prefix: String = "m") async throws {
        for i in 0..<count { _ = try await log.append([record("\(prefix)\(i)", key: "k")]) }
    }

    @Test func readersAndSizesSeeOnlyBatchesWhileTheTailIsZeroFilled() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "p", configuration: configuration())
            try await appendSingles(log, 30)
            let path = segmentPath(dir, "p")
            let logical = try #require(store.diskLog(named: "p")).sizeInBytes
            #expect(Files.size(path) >= 64 << 10, "the tail is zero-filled ahead")
            #expect(logical < 4096)
            let bytes = Files.read(path)
            #expect(bytes[Int(logical)...].allSatisfy { $0 == 0 })
            #expect(try readAll(log).map { $0.value.string } == (0..<30).map { "m\($0)" })
            #expect(try log.read(from: 30, maxRecords: 10, maxBytes: 1 << 20).records.isEmpty)
            #expect(try log.offset(forTimestamp: Int64.max) == 30)
            // The offline inspector sees a valid file: the zeros are the end, not a torn batch.
            let inspector = try SegmentInspector(path: path)
            var batches = 0
            #expect(try inspector.walkPastDamage(decodeRecords: true) { _ in batches += 1 }.isEmpty)
            #expect(batches == 30)
            try store.close()
        }
    }

    @Test func cleanCloseCutsTheFileToItsBatchesAndReopenFindsNoDamage() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "c", configuration: configuration())
            try await appendSingles(log, 10)
            let path = segmentPath(dir, "c")
            #expect(Files.size(path) > (try batchesEnd(path)))
            try store.close()
            #expect(Files.size(path) == (try batchesEnd(path)))
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(reopened.recoveryReport.cleanShutdown)
            #expect(reopened.recoveryReport.damaged.isEmpty)
            #expect(reopened.recoveryReport.bytesTruncated == 0)
            let again = try #require(reopened.log(named: "c"))
            #expect(try await again.append([record("after")]).baseOffset == 10)
            #expect(try readAll(again).count == 11)
            try reopened.close()
        }
    }

    @Test func crashWithAZeroTailLosesNothingAndReportsNoDamage() async throws {
        var logical = 0
        try await withCrash(topic: "z") { _, log, dir in
            try await appendSingles(log, 25)
            logical = try batchesEnd(segmentPath(dir, "z"))
        } check: { crashed in
            #expect(Files.size(segmentPath(crashed, "z")) > logical)

            let reopened = try DiskLogStore(directory: crashed.path)
            let report = reopened.recoveryReport
            #expect(!report.cleanShutdown)
            #expect(report.damaged.isEmpty)
            #expect(report.bytesTruncated == 0, "zeros after the last batch are its end, not a torn write")
            #expect(report.logs.first?.preallocatedBytesTrimmed ?? 0 > 0)
            #expect(Files.size(segmentPath(crashed, "z")) == logical)
            let again = try #require(reopened.log(named: "z"))
            #expect(try readAll(again).map { $0.value.string } == (0..<25).map { "m\($0)" })
            #expect(try await again.append([record("after")]).baseOffset == 25)
            try reopened.close()
        }
    }

    @Test func zerosAfterACleanCloseAreTheEndToo() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            try await appendSingles(try store.createLog(named: "k", configuration: configuration()), 7)
            try store.close()
            // As if the close could not cut them: the marker vouches for the batches, the zeros follow.
            let path = segmentPath(dir, "k")
            let logical = Files.size(path)
            Files.write(path, [UInt8](repeating: 0, count: 5000), at: logical)
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(reopened.recoveryReport.cleanShutdown)
            #expect(reopened.recoveryReport.damaged.isEmpty)
            #expect(reopened.recoveryReport.bytesTruncated == 0)
            #expect(reopened.recoveryReport.logs.first?.preallocatedBytesTrimmed == 5000)
            let again = try #require(reopened.log(named: "k"))
            #expect(try await again.append([record("after")]).baseOffset == 7)
            #expect(try readAll(again).count == 8)
            try reopened.close()
        }
    }

    @Test func damageBeforeTheZeroTailIsReportedAndTheZerosAreNot() async throws {
        var second = 0
        try await withCrash(topic: "d") { store, log, _ in
            _ = try await log.append([record("first")])
            second = Int(try #require(store.diskLog(named: "d")).sizeInBytes)
            _ = try await log.append([record("second")])
            _ = try await log.append([record("third")])
        } check: { crashed in
            // Flip a byte inside the second batch's records: the third batch follows intact, then zeros.
            let copyPath = segmentPath(crashed, "d")
            let original = Files.read(copyPath)[second + 60]
            Files.write(copyPath, [original ^ 0x5A], at: second + 60)

            let reopened = try DiskLogStore(directory: crashed.path)
            let report = reopened.recoveryReport
            #expect(report.damaged.count == 1)
            #expect(report.damaged.first?.offsets == 1..<2)
            #expect(report.bytesTruncated == 0)
            let again = try #require(reopened.log(named: "d"))
            #expect(again.endOffset == 3)
            #expect(try again.read(from: 2, maxRecords: 10, maxBytes: 1 << 20).records.map { $0.value.string } == ["third"])
            #expect(try await again.append([record("fourth")]).baseOffset == 3)
            try reopened.close()
        }
    }

    @Test func rollCutsTheSealedSegmentToItsBatches() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "r", configuration: configuration(preallocate: 4096, segmentBytes: 8192))
            try await appendSingles(log, 200, prefix: String(repeating: "v", count: 40))
            let disk = try #require(store.diskLog(named: "r"))
            let bases = disk.segmentBaseOffsets
            #expect(bases.count > 2)
            for base in bases.dropLast() {
                let inspector = try SegmentInspector(path: segmentPath(dir, "r", base: base))
                var end = 0
                #expect(try inspector.walkPastDamage(decodeRecords: false) { end = $0.position + $0.header.batchLength }.isEmpty)
                #expect(inspector.size == end, "sealed segment \(base) holds only its batches")
            }
            #expect(try readAll(log).count == 200)
            try store.close()
        }
    }

    @Test func aQuietSegmentGetsASmallFirstChunkThatGrowsWithIt() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "g", configuration: configuration(preallocate: 1 << 20))
            _ = try await log.append([record("one")])
            let path = segmentPath(dir, "g")
            #expect(Files.size(path) - (try batchesEnd(path)) == 64 << 10, "64 KiB of zeros, not the whole 1 MiB")
            let value = String(repeating: "x", count: 2000)
            for i in 0..<200 { _ = try await log.append([record("\(value)\(i)")]) }
            let end = try batchesEnd(path)
            #expect(end > 256 << 10)
            #expect(Files.size(path) - end > 64 << 10, "chunks grow with the segment")
            #expect(Files.size(path) - end < 1 << 20)
            try store.close()
        }
    }

    @Test func offLeavesNoZeros() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "o", configuration: configuration(preallocate: 0))
            try await appendSingles(log, 10)
            let path = segmentPath(dir, "o")
            #expect(Files.size(path) == (try batchesEnd(path)))
            try store.close()
        }
    }

    @Test func settingIsValidatedAndStored() throws {
        var c = LogConfiguration()
        #expect(c.preallocateBytes == LogConfiguration().preallocateBytes)
        c.preallocateBytes = -1
        #expect(throws: LogError.self) { try c.validate() }
        c.preallocateBytes = 0
        try c.validate()
        let decoded = try JSONDecoder().decode(LogConfiguration.self, from: JSONEncoder().encode(c))
        #expect(decoded.preallocateBytes == 0)
        let old = try JSONDecoder().decode(LogConfiguration.self, from: Data("{}".utf8))
        #expect(old.preallocateBytes == LogConfiguration().preallocateBytes)
    }
}
