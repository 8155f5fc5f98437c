import CoreMetrics
import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A topic's log on disk: segment files in the topic's directory, written by one serial writer queue with
/// group commit, read from any thread. See Docs/storage.md.
///
/// Concurrency: `state` (segments, offsets, waiters) is guarded by its lock and is what readers see;
/// `pending` (the bounded append queue) by its own lock; `syncs` (written groups waiting for overlapping
/// fdatasyncs) by its own; `writer` is confined to `queue`. Lock order: never take `state` while holding
/// `pending`, `syncs` or a segment's lock, never hold two of `pending`, `syncs`, and never call out
/// (callbacks) while holding any lock.
public final class DiskTopicLog: TopicLog {
    struct State {
        var configuration: LogConfiguration
        var segments: [Segment]
        var startOffset: Int64
        var endOffset: Int64
        var waiters: [(offset: Int64, callback: @Sendable () -> Void)] = []
        var closed = false
    }

    public let name: String
    let directory: String
    let clock: any WallClock
    let logger: Logger
    let metrics: StorageMetrics
    let queue: DispatchQueue
    let state: NIOLockedValueBox<State>
    let pending = NIOLockedValueBox(PendingAppends())
    let writer: LogWriter
    /// Overlapping fdatasyncs under fsync `always` (see DiskTopicLog+Sync.swift).
    let syncs = NIOLockedValueBox(SyncPipeline())
    /// Where those syncs run (at most `maxConcurrentSyncs` at once): sync `id` on `syncQueues[id % 16]`.
    /// Serial queues, not one concurrent queue: a concurrent queue runs on libdispatch's width-limited pool
    /// (as many threads as cores), which Swift concurrency's global executor uses too, so syncs blocked in
    /// fdatasync starved every async task of the process (seen as stalled tests); a serial queue gets a thread
    /// of its own from the overcommit pool while it blocks. 16 is the largest `maxConcurrentSyncs`.
    let syncQueues: [DispatchQueue]

    init(name: String, directory: String, configuration: LogConfiguration, segments: [Segment], clock: any WallClock, logger: Logger) {
        self.name = name
        self.directory = directory
        self.clock = clock
        var logger = logger
        logger[metadataKey: "topic"] = "\(name)"
        self.logger = logger
        self.metrics = StorageMetrics(topic: name)
        self.queue = DispatchQueue(label: "roost.storage.writer.\(name)")
        self.syncQueues = (0..<16).map { DispatchQueue(label: "roost.storage.sync.\(name).\($0)") }
        let active = segments[segments.count - 1]
        let activeState = active.snapshot
        let maxTimestamp = segments.reduce(Int64.min) { max($0, $1.snapshot.maxTimestamp) }
        self.state = NIOLockedValueBox(State(
            configuration: configuration, segments: segments, startOffset: segments[0].baseOffset,
            endOffset: activeState.nextOffset))
        self.writer = LogWriter(segment: active, position: activeState.size, nextOffset: activeState.nextOffset,
            lastTimestamp: max(maxTimestamp, 0))
    }

    public var configuration: LogConfiguration { state.withLockedValue { $0.configuration } }
    public var startOffset: Int64 { state.withLockedValue { $0.startOffset } }
    public var endOffset: Int64 { state.withLockedValue { $0.endOffset } }
    public var sizeInBytes: Int64 { segmentsSnapshot().reduce(0) { $0 + $1.sizeOnDisk } }

    /// Number of segments (for tools and tests).
    public var segmentCount: Int { state.withLockedValue { $0.segments.count } }

    /// Base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [Int64] { segmentsSnapshot().map(\.baseOffset) }

    func segmentsSnapshot() -> [Segment] { state.withLockedValue { $0.segments } }

    public func read(from offset: Int64, maxRecords: Int, maxBytes: Int) throws -> ReadResult {
        let (segments, start, end, closed) = state.withLockedValue { ($0.segments, $0.startOffset, $0.endOffset, $0.closed) }
        if closed { throw LogError(code: .closed, message: "log '\(name)' is closed") }
        if offset < start {
            throw LogError(code: .offsetOutOfRange, message: "offset \(offset) of '\(name)' was deleted by retention; earliest is \(start)", earliestOffset: start)
        }
        guard offset < end, maxRecords > 0 else { return ReadResult(records: [], nextOffset: offset) }
        var records: [StoredRecord] = []
        records.reserveCapacity(min(maxRecords, Int(end - offset), 16_384))
        var budget = max(maxBytes, 1)
        var next = offset
        var i = Self.segmentIndex(containing: offset, in: segments)
        while i < segments.count, next < end, records.count < maxRecords, budget > 0 {
            let segment = segments[i]
            let snapshot = segment.snapshot
            let scanner = SegmentScanner(file: segment.file, chunkSize: min(max(maxBytes, 64 << 10), 1 << 20))
            var (position, reached) = segment.startLocation(for: next)
            while true {
                let stop = try scanner.scan(from: position, limit: snapshot.size) { header, buffer, index, _ in
                    guard header.baseOffset < end else { return false }
                    reached = header.nextOffset
                    guard header.nextOffset > next else { return true }
                    let part = try RecordBatchReader.recordsPart(of: header, in: buffer, at: index)
                    try RecordBatchReader.decode(header, records: part, from: next, until: end,
                        maxRecords: maxRecords - records.count, budget: &budget, into: &records)
                    next = records.last.map { $0.offset + 1 } ?? next
                    return records.count < maxRecords && budget > 0 && next < end
                }
                switch stop {
                case .limit, .stopped: break
                case .corrupt(let at, _), .incomplete(let at):
                    // Damage ends a read that wants its offsets: the valid records before it are returned, and
                    // the next read, which starts in it, throws `corrupt` with the damaged offsets so that the
                    // reader can step over them. A read wanting only what follows steps over it here.
                    let damage = try self.damage(in: segment, at: at, firstOffset: reached, snapshot: snapshot, scanner: scanner)
                    if next < damage.offsets.upperBound {
                        if !records.isEmpty { return ReadResult(records: records, nextOffset: next) }
                        throw LogError(code: .corrupt,
                            message: "offsets \(damage.offsets.lowerBound)..<\(damage.offsets.upperBound) of '\(name)' are damaged on disk (\(damage)); reading resumes at \(damage.offsets.upperBound)",
                            damagedOffsets: damage.offsets)
                    }
                    position = damage.position + damage.length
                    reached = damage.offsets.upperBound
                    continue
                }
                break
            }
            i += 1
        }
        return ReadResult(records: records, nextOffset: next)
    }

    /// The damaged stretch of `segment` at byte `position`: the one recovery or an earlier read recorded, or
    /// found now by looking for the next intact batch (then remembered, counted and logged once).
    private func damage(in segment: Segment, at position: Int, firstOffset: Int64, snapshot: Segment.State, scanner: SegmentScanner) throws -> DamagedRange {
        if let known = segment.damage(at: position) { return known }
        let resume = try scanner.nextIntactBatch(after: position, limit: snapshot.size, minOffset: firstOffset)
        let range = DamagedRange(file: segment.logPath, position: position, length: (resume?.position ?? snapshot.size) - position,
            offsets: firstOffset..<max(firstOffset, resume?.header.baseOffset ?? snapshot.nextOffset))
        segment.noteDamage(range)
        metrics.damagedRanges.increment()
        logger.error("read found a damaged batch; its offsets are skipped", metadata: [
            "segment": "\(range.file)", "position": "\(range.position)", "bytes": "\(range.length)",
            "offsets": "\(range.offsets.lowerBound)..<\(range.offsets.upperBound)"])
        return range
    }

    /// The index of the segment holding `offset`: the last one whose base offset is `<=` it.
    static func segmentIndex(containing offset: Int64, in segments: [Segment]) -> Int {
        var low = 0, high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].baseOffset <= offset { low = mid + 1 } else { high = mid }
        }
        return max(low - 1, 0)
    }

    public func offset(forTimestamp timestamp: Int64) throws -> Int64 {
        let (segments, end) = state.withLockedValue { ($0.segments, $0.endOffset) }
        // Timestamps never decrease along offsets, so segments' newest timestamps are sorted: binary search
        // for the first segment holding one `>= timestamp`. Only the active segment can be empty; it
        // sorts last (as if infinitely new) and a scan of it finds nothing.
        var low = 0, high = segments.count
        while low < high {
            let mid = (low + high) / 2
            let newest = segments[mid].snapshot.maxTimestamp
            if newest != Int64.min && newest < timestamp { low = mid + 1 } else { high = mid }
        }
        guard low < segments.count else { return end }
        let segment = segments[low]
        let limit = segment.snapshot.size
        var found: Int64?
        let scanner = SegmentScanner(file: segment.file, chunkSize: 64 << 10)
        let start: Int
        var reached: Int64
        (start, reached) = segment.startLocation(forTimestamp: timestamp)
        let stop = try scanner.scan(from: start, limit: limit) { header, buffer, index, _ in
            reached = header.nextOffset
            guard header.maxTimestamp >= timestamp else { return true }
            if header.baseTimestamp >= timestamp {
                found = header.baseOffset
                return false
            }
            let part = try RecordBatchReader.recordsPart(of: header, in: buffer, at: index)
            var records: [StoredRecord] = []
            var budget = Int.max
            try RecordBatchReader.decode(header, records: part, from: header.baseOffset, until: header.nextOffset,
                maxRecords: header.recordCount, budget: &budget, into: &records)
            found = records.first(where: { $0.timestamp >= timestamp })?.offset
            return found == nil
        }
        switch stop {
        case .corrupt, .incomplete:
            // Damage before any record at or after the time: its timestamps are unknown, so the answer may lie
            // inside it. Start there; a reader then meets the damage, is told, and goes on after it.
            return min(reached, end)
        case .limit, .stopped: break
        }
        return min(found ?? end, end)
    }

    public func notifyWhenReadable(beyond offset: Int64, _ callback: @escaping @Sendable () -> Void) {
        let now = state.withLockedValue { s -> Bool in
            if s.endOffset > offset || s.closed { return true }
            s.waiters.append((offset, callback))
            return false
        }
        if now { callback() }
    }

    public func reconfigure(_ configuration: LogConfiguration) throws {
        try configuration.validate()
        try TopicConfigFile.write(configuration, directory: directory)
        state.withLockedValue { $0.configuration = configuration }
    }

    /// Calls the waiters that became readable (or all, when closing) outside the lock.
    func wakeWaiters() {
        let ready = state.withLockedValue { s -> [@Sendable () -> Void] in
            guard !s.waiters.isEmpty else { return [] }
            var ready: [@Sendable () -> Void] = []
            s.waiters.removeAll { w in
                guard s.closed || s.endOffset > w.offset else { return false }
                ready.append(w.callback)
                return true
            }
            return ready
        }
        for callback in ready { callback() }
    }
}
