import NIOCore
import RoostStorage
import RoostTesting
import Testing

/// Damage done to a closed store's files (older segments, indexes, the clean-shutdown marker): the store
/// opens, reports what it repaired, and serves every batch that is intact.
@Suite("Reliability: damaged files")
struct CorruptionTests {
    private static let payload = String(repeating: "r", count: 100)
    private static func value(_ i: Int) -> String { "\(i)-\(payload)" }

    /// A closed store with topic `t` holding `count` records in several 1 KiB segments.
    private func makeStore(_ dir: TemporaryDirectory, count: Int = 40) async throws {
        let store = try DiskLogStore(directory: dir.path)
        let log = try store.createLog(named: "t", configuration: LogConfiguration(segmentBytes: 1024, fsync: .never, indexIntervalBytes: 64))
        for i in 0..<count { _ = try await log.append([record(Self.value(i))]) }
        try store.close()
    }

    @Test func missingIndexesAndMarkerAreRebuiltAndEverythingServed() async throws {
        try await withTemporaryDirectory { dir in
            try await makeStore(dir)
            let bases = Surgery.segmentBases(dir, "t")
            #expect(bases.count >= 3)
            for base in bases {
                Surgery.remove(Surgery.segment(dir, "t", base: base, LogFileNames.indexSuffix))
                Surgery.remove(Surgery.segment(dir, "t", base: base, LogFileNames.timeIndexSuffix))
            }
            Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker))
            let store = try DiskLogStore(directory: dir.path)
            #expect(!store.recoveryReport.cleanShutdown)
            #expect(store.recoveryReport.indexesRebuilt >= 2 * bases.count)
            let log = try #require(store.log(named: "t"))
            #expect(try values(log) == (0..<40).map(Self.value))
            // Reads that start mid-log use the rebuilt indexes.
            #expect(try log.read(from: 33, maxRecords: 1, maxBytes: 1 << 20).records.first?.offset == 33)
            try store.close()
        }
    }

    @Test func garbageIndexInAnOlderSegmentIsRebuilt() async throws {
        try await withTemporaryDirectory { dir in
            try await makeStore(dir)
            let base = Surgery.segmentBases(dir, "t")[1]
            let index = Surgery.segment(dir, "t", base: base, LogFileNames.indexSuffix)
            for position in 0..<Surgery.size(index) { Surgery.flipBit(index, at: position) }
            let store = try DiskLogStore(directory: dir.path)
            #expect(store.recoveryReport.cleanShutdown)
            let log = try #require(store.log(named: "t"))
            #expect(try values(log) == (0..<40).map(Self.value))
            try store.close()
        }
    }

    @Test(arguments: [true, false])
    func bitFlipInAnOlderSegmentFailsOnlyThatBatch(cleanShutdown: Bool) async throws {
        try await withTemporaryDirectory { dir in
            try await makeStore(dir)
            let bases = Surgery.segmentBases(dir, "t")
            let damaged = bases[1]
            // Flip a bit inside the last batch of the second segment (its payload, past the header).
            let path = Surgery.segment(dir, "t", base: damaged)
            Surgery.flipBit(path, at: Surgery.size(path) - 10)
            if !cleanShutdown { Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker)) }
            let store = try DiskLogStore(directory: dir.path)
            let log = try #require(store.log(named: "t"))
            #expect(log.endOffset == 40)
            let lastOfDamaged = bases[2] - 1
            // The damaged batch is never returned as data...
            let error = #expect(throws: LogError.self) { try log.read(from: lastOfDamaged, maxRecords: 10, maxBytes: 1 << 20) }
            #expect(error?.code == .corrupt)
            // ...and everything before it and after it is served.
            for offset in 0..<lastOfDamaged {
                #expect(try log.read(from: offset, maxRecords: 1, maxBytes: 1 << 20).records.first?.value == ByteBuffer(string: Self.value(Int(offset))))
            }
            var tail: [String] = []
            var next = bases[2]
            while next < log.endOffset {
                let result = try log.read(from: next, maxRecords: 100, maxBytes: 1 << 20)
                tail += result.records.map { String(buffer: $0.value) }
                next = result.nextOffset
            }
            #expect(tail == (Int(bases[2])..<40).map(Self.value))
            // And the log still takes appends at the next offset.
            #expect(try await log.append([record("new")]).baseOffset == 40)
            try store.close()
        }
    }

    @Test func tornTailOfTheActiveSegmentIsCutAfterACrash() async throws {
        try await withTemporaryDirectory { dir in
            try await makeStore(dir)
            let last = Surgery.segmentBases(dir, "t").last ?? 0
            let path = Surgery.segment(dir, "t", base: last)
            let size = Surgery.size(path)
            Surgery.truncate(path, to: size - 3)
            Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker))
            let store = try DiskLogStore(directory: dir.path)
            #expect(store.recoveryReport.bytesTruncated > 0)
            let log = try #require(store.log(named: "t"))
            #expect(log.endOffset == 39)
            #expect(try values(log) == (0..<39).map(Self.value))
            #expect(try await log.append([record(Self.value(39))]).baseOffset == 39)
            try store.close()
        }
    }
}
