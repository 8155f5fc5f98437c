import NIOCore
import RoostStorage
import RoostTesting
import Testing

/// Damage in the middle of a segment (media damage, not a crash): recovery keeps every intact batch after
/// it, reports the damaged stretch with its byte position and offsets, and reads step over it with a
/// `corrupt` error that names the damaged offsets. A torn tail is still cut (CorruptionTests).
@Suite("Reliability: damage in the middle of a segment")
struct MidSegmentDamageTests {
    static func value(_ i: Int) -> String { "\(i)-" + String(repeating: "m", count: 100) }

    /// A closed store with topic `t`: `count` records, one batch each, in segments of `segmentBytes`.
    func makeStore(_ dir: TemporaryDirectory, count: Int = 40, segmentBytes: Int = 1 << 20) async throws {
        let store = try DiskLogStore(directory: dir.path)
        let configuration = LogConfiguration(segmentBytes: segmentBytes, fsync: .never, indexIntervalBytes: 64)
        let log = try store.createLog(named: "t", configuration: configuration)
        for i in 0..<count { _ = try await log.append([record(Self.value(i))]) }
        try store.close()
    }

    /// Every batch's start position in `path` (walking the intact file).
    func batchPositions(_ path: String) throws -> [Int] {
        var positions: [Int] = []
        _ = try SegmentInspector(path: path).walk(decodeRecords: false) { positions.append($0.position) }
        return positions
    }

    enum Damage: String, CaseIterable, Sendable {
        /// A bit of a record's value: the batch is well framed, its checksum fails.
        case payloadBit
        /// A bit of the magic: the batch is no longer recognisable as one.
        case magicBit
        /// A bit of the length field: the framing itself is wrong.
        case lengthBit

        func position(batchAt start: Int) -> Int {
            switch self {
            case .payloadBit: start + RecordBatchHeader.size + 20
            case .magicBit: start + 1
            case .lengthBit: start + 6
            }
        }
    }

    @Test(arguments: Damage.allCases, [false, true])
    func damageInTheActiveSegmentKeepsTheBatchesAfterIt(damage: Damage, cleanShutdown: Bool) async throws {
        try await withTemporaryDirectory { dir in
            try await makeStore(dir)
            let path = Surgery.segment(dir, "t", base: 0)
            let positions = try batchPositions(path)
            #expect(positions.count == 40)
            let size = Surgery.size(path)
            Surgery.flipBit(path, at: damage.position(batchAt: positions[17]))
            if !cleanShutdown { Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker)) }

            let store = try DiskLogStore(directory: dir.path)
            #expect(store.recoveryReport.bytesTruncated == 0)
            #expect(Surgery.size(path) == size)
            if !cleanShutdown {
                // The scan after a crash found it: reported with its byte range and offsets.
                #expect(store.recoveryReport.damaged == [
                    DamagedRange(file: path, position: positions[17], length: positions[18] - positions[17], offsets: 17..<18)])
            }
            let log = try #require(store.log(named: "t"))
            #expect(log.endOffset == 40)
            let read = try readSkippingDamage(log)
            #expect(read.skipped == [17..<18])
            #expect(read.values == (0..<40).filter { $0 != 17 }.map(Self.value))
            // A read of the damaged offset fails with the range to resume after; one past it succeeds.
            let error = #expect(throws: LogError.self) { try log.read(from: 17, maxRecords: 10, maxBytes: 1 << 20) }
            #expect(error?.code == .corrupt)
            #expect(error?.damagedOffsets == 17..<18)
            #expect(try log.read(from: 18, maxRecords: 1, maxBytes: 1 << 20).records.first?.offset == 18)
            // Appends go on after the intact tail.
            #expect(try await log.append([record(Self.value(40))]).baseOffset == 40)
            try store.close()

            // The tools see the same: the problem at its byte, and every intact batch around it.
            var visited = 0
            let problems = try SegmentInspector(path: path).walkPastDamage(decodeRecords: false) { _ in visited += 1 }
            #expect(problems.map(\.position) == [positions[17]])
            #expect(problems.first?.message.contains("offsets 17..<18") == true)
            #expect(visited == 40)
        }
    }

    @Test(arguments: [true, false])
    func aDamagedLastBatchIsKeptAfterACleanShutdownAndCutAfterACrash(cleanShutdown: Bool) async throws {
        try await withTemporaryDirectory { dir in
            try await makeStore(dir)
            let path = Surgery.segment(dir, "t", base: 0)
            let positions = try batchPositions(path)
            let size = Surgery.size(path)
            Surgery.flipBit(path, at: positions[39] + RecordBatchHeader.size + 4)
            if !cleanShutdown { Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker)) }
            let store = try DiskLogStore(directory: dir.path)
            let log = try #require(store.log(named: "t"))
            if cleanShutdown {
                // Nothing can be torn after a clean shutdown: the bad last batch is damage, kept and reported.
                #expect(Surgery.size(path) == size)
                #expect(store.recoveryReport.damaged.map(\.offsets) == [39..<40])
                #expect(log.endOffset == 40)
                let error = #expect(throws: LogError.self) { try log.read(from: 39, maxRecords: 1, maxBytes: 1 << 20) }
                #expect(error?.damagedOffsets == 39..<40)
                #expect(try await log.append([record("next")]).baseOffset == 40)
                #expect(try log.read(from: 40, maxRecords: 1, maxBytes: 1 << 20).records.first?.offset == 40)
            } else {
                // After a crash it is indistinguishable from a torn write: cut.
                #expect(Surgery.size(path) == positions[39])
                #expect(store.recoveryReport.bytesTruncated == size - positions[39])
                #expect(log.endOffset == 39)
            }
            try store.close()
        }
    }

    @Test func aTimeLookupThatMeetsDamageStartsAtTheDamagedOffsets() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock()
            let start = clock.nowMilliseconds()
            let store = try DiskLogStore(directory: dir.path, clock: clock)
            let configuration = LogConfiguration(fsync: .never, indexIntervalBytes: 64)
            let log = try store.createLog(named: "t", configuration: configuration)
            for i in 0..<20 {
                _ = try await log.append([record(Self.value(i))])
                clock.advance(by: 10)
            }
            try store.close()
            let path = Surgery.segment(dir, "t", base: 0)
            Surgery.flipBit(path, at: try batchPositions(path)[8] + RecordBatchHeader.size + 5)
            let reopened = try DiskLogStore(directory: dir.path, clock: clock)
            let again = try #require(reopened.log(named: "t"))
            #expect(try again.offset(forTimestamp: start) == 0)
            #expect(try again.offset(forTimestamp: start + 80) == 8)
            #expect(try again.offset(forTimestamp: start + 120) == 12)
            try reopened.close()
        }
    }

    @Test func damageInAnOlderSegmentIsSteppedOverWithinThatSegment() async throws {
        try await withTemporaryDirectory { dir in
            try await makeStore(dir, count: 60, segmentBytes: 2048)
            let bases = Surgery.segmentBases(dir, "t")
            #expect(bases.count >= 4)
            let path = Surgery.segment(dir, "t", base: bases[1])
            let positions = try batchPositions(path)
            #expect(positions.count >= 4)
            // Damage the second batch of the segment: intact batches follow it in the same segment.
            Surgery.flipBit(path, at: positions[1] + RecordBatchHeader.size + 3)
            let store = try DiskLogStore(directory: dir.path)
            let log = try #require(store.log(named: "t"))
            let damaged = bases[1] + 1
            let read = try readSkippingDamage(log)
            #expect(read.skipped == [damaged..<(damaged + 1)])
            #expect(read.values == (0..<60).filter { $0 != Int(damaged) }.map(Self.value))
            // A read starting after the damage in the same segment (its index floor is before it) works.
            #expect(try log.read(from: damaged + 2, maxRecords: 1, maxBytes: 1 << 20).records.first?.offset == damaged + 2)
            try store.close()
        }
    }

    @Test func twoDamagedBatchesAndATornTailAfterACrash() async throws {
        try await withTemporaryDirectory { dir in
            try await makeStore(dir)
            let path = Surgery.segment(dir, "t", base: 0)
            let positions = try batchPositions(path)
            Surgery.flipBit(path, at: positions[5] + RecordBatchHeader.size + 1)
            Surgery.flipBit(path, at: positions[30] + 9)
            let tornSize = Surgery.size(path) - 7
            Surgery.truncate(path, to: tornSize)
            Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker))
            let store = try DiskLogStore(directory: dir.path)
            // The tear is cut, the damage in the middle is kept.
            #expect(store.recoveryReport.bytesTruncated == tornSize - positions[39])
            #expect(Surgery.size(path) == positions[39])
            #expect(store.recoveryReport.damaged.map(\.offsets) == [5..<6, 30..<31])
            let log = try #require(store.log(named: "t"))
            #expect(log.endOffset == 39)
            let read = try readSkippingDamage(log)
            #expect(read.skipped == [5..<6, 30..<31])
            #expect(read.values == (0..<39).filter { $0 != 5 && $0 != 30 }.map(Self.value))
            #expect(try await log.append([record("next")]).baseOffset == 39)
            try store.close()
        }
    }
}

/// Reads all of `log` the way a subscriber does: on a `corrupt` error with damaged offsets, notes them and
/// resumes after them.
func readSkippingDamage(_ log: any TopicLog) throws -> (values: [String], skipped: [Range<Int64>]) {
    var offset = log.startOffset
    var values: [String] = []
    var skipped: [Range<Int64>] = []
    while offset < log.endOffset {
        do {
            let result = try log.read(from: offset, maxRecords: 7, maxBytes: 1 << 20)
            if result.records.isEmpty { break }
            for record in result.records {
                guard record.offset == offset else { throw DenseOffsetError(expected: offset, found: record.offset) }
                values.append(String(buffer: record.value))
                offset += 1
            }
        } catch let error as LogError where error.damagedOffsets != nil {
            let range = try #require(error.damagedOffsets)
            guard range.lowerBound == offset, range.upperBound > offset else { throw error }
            skipped.append(range)
            offset = range.upperBound
        }
    }
    return (values, skipped)
}
