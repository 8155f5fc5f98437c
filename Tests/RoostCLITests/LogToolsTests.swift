import Foundation
import NIOCore
import RoostStorage
import RoostTesting
import Testing

/// `roost log dump|verify` and the SegmentInspector under them, on files written by DiskLogStore.
@Suite struct LogToolsTests {
    /// Writes three batches (2 records each) to topic `t`, with an index entry for every batch.
    static func writeLog(_ dir: TemporaryDirectory) async throws -> String {
        let store = try DiskLogStore(directory: dir.path, defaultConfiguration: LogConfiguration(indexIntervalBytes: 64))
        let log = try store.createLog(named: "t", configuration: LogConfiguration(indexIntervalBytes: 64))
        for batch in 0..<3 {
            _ = try await log.append([
                Record(key: ByteBuffer(string: "k\(batch)"), value: ByteBuffer(string: "value-\(batch)-a")),
                Record(headers: [RecordHeader(name: "h", value: "v")], value: ByteBuffer(string: "value-\(batch)-b")),
            ])
        }
        try store.close()
        return dir.appending("t")
    }

    static func segment(_ topicDirectory: String) throws -> String {
        try #require(try SegmentInspector.segmentFiles(inDirectory: topicDirectory).first)
    }

    @Test func inspectorWalksEveryBatchAndIndexesAgree() async throws {
        let dir = try TemporaryDirectory(prefix: "roost-logtools-test")
        defer { dir.remove() }
        let topic = try await Self.writeLog(dir)
        let inspector = try SegmentInspector(path: try Self.segment(topic))
        var batches: [SegmentInspector.Batch] = []
        let problem = try inspector.walk(decodeRecords: true) { batches.append($0) }
        #expect(problem == nil)
        #expect(batches.map(\.header.baseOffset) == [0, 2, 4])
        #expect(batches.flatMap(\.records).map { String(buffer: $0.value) } == ["value-0-a", "value-0-b", "value-1-a", "value-1-b", "value-2-a", "value-2-b"])
        #expect(try inspector.verifyIndexes(batches: batches.map { ($0.header.baseOffset, $0.position) }, nextOffset: 6).isEmpty)
    }

    @Test func verifyPassesOnAHealthyLogAndDumpPrintsEveryRecord() async throws {
        let dir = try TemporaryDirectory(prefix: "roost-logtools-test")
        defer { dir.remove() }
        _ = try await Self.writeLog(dir)
        let verify = try await RoostProcess.run(["log", "verify", dir.path, "--json"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let summary = try #require(RoostProcess.object(verify.stdout))
        #expect(summary["ok"] as? Bool == true && summary["records"] as? Int == 6 && summary["batches"] as? Int == 3)

        let dump = try await RoostProcess.run(["log", "dump", dir.appending("t"), "--records", "--json"])
        #expect(dump.status == 0)
        let records = dump.lines.compactMap(RoostProcess.object).flatMap { $0["records"] as? [[String: Any]] ?? [] }
        #expect(records.map { $0["offset"] as? Int } == [0, 1, 2, 3, 4, 5])
        let human = try await RoostProcess.run(["log", "dump", dir.path, "--records"])
        #expect(human.status == 0 && human.stdout.contains("\"value-2-b\"") && human.stdout.contains("h=v"))
    }

    /// A zero tail (what a crash leaves of the active segment's preallocation) is not counted as log bytes.
    @Test func verifyCountsTheZeroTailApartFromTheBatches() async throws {
        let dir = try TemporaryDirectory(prefix: "roost-logtools-test")
        defer { dir.remove() }
        let path = try Self.segment(try await Self.writeLog(dir))
        let batchBytes = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(count: 4096))
        try handle.close()
        let verify = try await RoostProcess.run(["log", "verify", dir.path, "--json"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let summary = try #require(RoostProcess.object(verify.stdout))
        #expect(summary["ok"] as? Bool == true && summary["records"] as? Int == 6)
        #expect(summary["bytes"] as? Int == batchBytes && summary["zero_tail_bytes"] as? Int == 4096)
        let human = try await RoostProcess.run(["log", "verify", dir.path, "--no-progress"])
        #expect(human.stdout.contains("\(batchBytes) bytes (and 4096 preallocated zero bytes)"), "\(human.stdout)")
    }

    @Test func verifyFindsAFlippedByteAndNamesItsBatchPosition() async throws {
        let dir = try TemporaryDirectory(prefix: "roost-logtools-test")
        defer { dir.remove() }
        let topic = try await Self.writeLog(dir)
        let path = try Self.segment(topic)
        var positions: [Int] = []
        _ = try SegmentInspector(path: path).walk(decodeRecords: false) { positions.append($0.position) }
        // Flip a byte in the records of the second batch.
        let target = positions[1] + 60
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(target))
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(target))
        try handle.write(contentsOf: Data([byte ^ 0x40]))
        try handle.close()

        let result = try await RoostProcess.run(["log", "verify", dir.path])
        #expect(result.status == 5)
        #expect(result.stdout.contains("CORRUPT") && result.stdout.contains("at byte \(positions[1])"))
        #expect(result.stderr.contains("at byte \(positions[1])") && result.stderr.split(separator: "\n").count == 1)
        let dump = try await RoostProcess.run(["log", "dump", path])
        #expect(dump.status == 5 && dump.stdout.contains("batch offsets 0...1"))
    }

    @Test func verifyFindsAnIndexEntryThatPointsNowhere() async throws {
        let dir = try TemporaryDirectory(prefix: "roost-logtools-test")
        defer { dir.remove() }
        let topic = try await Self.writeLog(dir)
        let index = String(try Self.segment(topic).dropLast(4)) + ".index"
        var bytes = try #require(FileManager.default.contents(atPath: index))
        #expect(bytes.count >= 16)
        bytes[15] = bytes[15] &+ 3 // the second entry's position now misses its batch
        try bytes.write(to: URL(fileURLWithPath: index))
        let result = try await RoostProcess.run(["log", "verify", dir.path, "--json"])
        #expect(result.status == 5)
        let summary = try #require(RoostProcess.object(result.stdout))
        let problems = try #require(summary["problems"] as? [[String: Any]])
        #expect(problems.count == 1 && (problems[0]["file"] as? String)?.hasSuffix(".index") == true && problems[0]["position"] as? Int == 8)
    }
}
