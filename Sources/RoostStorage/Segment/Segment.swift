import NIOConcurrencyHelpers
import NIOCore

/// One segment of a topic log: a `.log` file of record batches starting at `baseOffset`, with its sparse
/// offset index and time index held in memory and written to `.index` / `.timeindex` when the segment is
/// sealed (rolled) or the log closes cleanly.
///
/// Thread-safety: the log writer is the only one that writes the file and calls `published(_:)`; readers
/// see only what was published (`State.size`), under the segment's lock. The file stays open as long as
/// a reader holds the segment, even after retention unlinked it.
final class Segment: Sendable {
    /// What readers may see, changed by the writer at publication.
    struct State: Sendable {
        /// Bytes of whole, published batches.
        var size = 0
        var offsetIndex = OffsetIndex()
        var timeIndex = TimeIndex()
        /// One past the last published record.
        var nextOffset: Int64
        /// Base timestamp of the first batch (roll by age), `nil` while empty.
        var firstTimestamp: Int64?
        /// Largest record timestamp, `Int64.min` while empty.
        var maxTimestamp = Int64.min
        var bytesSinceIndexEntry = 0
        /// Damaged stretches found by recovery or by reads, in position order.
        var damaged: [DamagedRange] = []
    }

    /// A batch as the index builder needs it.
    struct BatchLocation: Sendable {
        var header: RecordBatchHeader
        var position: Int
    }

    let baseOffset: Int64
    let file: LogFile
    let stemPath: String
    private let indexIntervalBytes: Int
    private let state: NIOLockedValueBox<State>

    init(directory: String, baseOffset: Int64, indexIntervalBytes: Int, create: Bool) throws {
        self.baseOffset = baseOffset
        self.stemPath = directory + "/" + LogFileNames.stem(baseOffset: baseOffset)
        self.indexIntervalBytes = indexIntervalBytes
        self.file = try LogFile(path: stemPath + LogFileNames.logSuffix, create: create)
        self.state = NIOLockedValueBox(State(nextOffset: baseOffset))
    }

    var logPath: String { stemPath + LogFileNames.logSuffix }
    var indexPath: String { stemPath + LogFileNames.indexSuffix }
    var timeIndexPath: String { stemPath + LogFileNames.timeIndexSuffix }

    /// A snapshot of the published state.
    var snapshot: State { state.withLockedValue { $0 } }

    /// Replaces the state (recovery).
    func restore(_ newState: State) { state.withLockedValue { $0 = newState } }

    /// Publishes batches written (and synced, under fsync `always`) at their positions: readers see them
    /// from now on; index entries are added every `indexIntervalBytes`.
    func published(_ batches: [BatchLocation]) {
        state.withLockedValue { s in
            for b in batches { Self.add(b, to: &s, baseOffset: baseOffset, interval: indexIntervalBytes) }
        }
    }

    /// The index rule, shared by the writer and by recovery's rebuild.
    static func add(_ b: BatchLocation, to s: inout State, baseOffset: Int64, interval: Int) {
        if s.bytesSinceIndexEntry >= interval {
            let rel = UInt32(truncatingIfNeeded: b.header.baseOffset - baseOffset)
            s.offsetIndex.append(relativeOffset: rel, position: UInt32(truncatingIfNeeded: b.position))
            s.timeIndex.append(timestamp: b.header.baseTimestamp, relativeOffset: rel)
            s.bytesSinceIndexEntry = 0
        }
        s.bytesSinceIndexEntry += b.header.batchLength
        if s.firstTimestamp == nil { s.firstTimestamp = b.header.baseTimestamp }
        s.maxTimestamp = max(s.maxTimestamp, b.header.maxTimestamp)
        s.size = b.position + b.header.batchLength
        s.nextOffset = b.header.nextOffset
    }

    /// Where to start reading to find `offset`: the position of the indexed batch at or before it, and that
    /// batch's base offset.
    func startLocation(for offset: Int64) -> (position: Int, offset: Int64) {
        let rel = offset - baseOffset
        guard rel > 0 else { return (0, baseOffset) }
        return state.withLockedValue { s in
            guard let entry = s.offsetIndex.floor(UInt32(clamping: rel)) else { return (0, baseOffset) }
            return (Int(entry.position), baseOffset + Int64(entry.relativeOffset))
        }
    }

    /// Where to start reading to find `offset`: the position of the indexed batch at or before it.
    func startPosition(for offset: Int64) -> Int { startLocation(for: offset).position }

    /// The damaged stretch starting at byte `position`, if one was found there.
    func damage(at position: Int) -> DamagedRange? {
        state.withLockedValue { s in s.damaged.first { $0.position == position } }
    }

    /// Remembers a damaged stretch a read found, so that later reads step over it without searching.
    func noteDamage(_ range: DamagedRange) {
        state.withLockedValue { s in
            guard !s.damaged.contains(where: { $0.position == range.position }) else { return }
            s.damaged.append(range)
            s.damaged.sort { $0.position < $1.position }
        }
    }

    /// Where to start reading to find the first record with a timestamp `>= timestamp`.
    /// Also returns the base offset of the batch there.
    func startLocation(forTimestamp timestamp: Int64) -> (position: Int, offset: Int64) {
        state.withLockedValue { s in
            guard let entry = s.timeIndex.lastBefore(timestamp), let floor = s.offsetIndex.floor(entry.relativeOffset)
            else { return (0, baseOffset) }
            return (Int(floor.position), baseOffset + Int64(floor.relativeOffset))
        }
    }

    /// Writes both index files and syncs them with the log file. With `final`, adds the time index entry
    /// of the largest timestamp so that a later open knows it without scanning.
    func writeIndexes(final: Bool) throws {
        let s = state.withLockedValue { s -> State in
            if final, s.nextOffset > baseOffset {
                s.timeIndex.append(timestamp: s.maxTimestamp, relativeOffset: UInt32(truncatingIfNeeded: s.nextOffset - 1 - baseOffset))
            }
            return s
        }
        try file.sync()
        let dir = String(stemPath[..<(stemPath.lastIndex(of: "/") ?? stemPath.endIndex)])
        try FileSystem.writeAtomically(s.offsetIndex.serialized(), to: indexPath, directory: dir)
        try FileSystem.writeAtomically(s.timeIndex.serialized(), to: timeIndexPath, directory: dir)
    }

    /// Bytes on disk: the log plus the index entries.
    var sizeOnDisk: Int64 {
        state.withLockedValue { s in
            Int64(s.size + s.offsetIndex.entries.count * OffsetIndex.entrySize + s.timeIndex.entries.count * TimeIndex.entrySize)
        }
    }

    /// Deletes the segment's files; open descriptors stay valid for readers still holding it.
    func deleteFiles() throws {
        try FileSystem.remove(logPath)
        try FileSystem.remove(indexPath)
        try FileSystem.remove(timeIndexPath)
    }
}
