import NIOConcurrencyHelpers
import NIOCore

/// A `TopicLog` kept in memory: for tests, for benchmarks that must not measure a disk, and as the
/// reference behaviour of the contract. Thread-safe: one lock guards the records and the waiters.
///
/// Bounded: records are dropped from the front (as retention drops whole segments) once the log is larger
/// than `configuration.retentionBytes`, or, when that is `nil`, larger than the store's `maxBytesPerLog`.
/// Appends complete synchronously on the caller's thread, before `append` returns; `durable` is always
/// `false` since nothing reaches a disk.
public final class InMemoryTopicLog: TopicLog {
    private struct State {
        var configuration: LogConfiguration
        /// Live records are `records[head...]`; the prefix is garbage waiting for compaction.
        var records: [StoredRecord] = []
        var head = 0
        var startOffset: Int64 = 0
        var endOffset: Int64 = 0
        var sizeInBytes: Int64 = 0
        var lastTimestamp: Int64 = 0
        var waiters: [(offset: Int64, callback: @Sendable () -> Void)] = []
        var closed = false
    }

    public let name: String
    private let clock: any WallClock
    private let maxBytesWhenUnbounded: Int64
    private let state: NIOLockedValueBox<State>

    init(name: String, configuration: LogConfiguration, clock: any WallClock, maxBytesWhenUnbounded: Int64) {
        self.name = name
        self.clock = clock
        self.maxBytesWhenUnbounded = maxBytesWhenUnbounded
        self.state = NIOLockedValueBox(State(configuration: configuration))
    }

    /// Bytes accounted for one record: its key, value and headers plus a fixed overhead like a batch's.
    static func footprint(of record: StoredRecord) -> Int64 {
        var bytes = 32 + record.value.readableBytes + (record.key?.readableBytes ?? 0)
        for header in record.headers { bytes += header.name.utf8.count + header.value.utf8.count + 4 }
        return Int64(bytes)
    }

    public var configuration: LogConfiguration { state.withLockedValue { $0.configuration } }
    public var startOffset: Int64 { state.withLockedValue { $0.startOffset } }
    public var endOffset: Int64 { state.withLockedValue { $0.endOffset } }
    public var sizeInBytes: Int64 { state.withLockedValue { $0.sizeInBytes } }

    public func append(_ records: [Record], completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void) {
        let now = clock.nowMilliseconds()
        let outcome: Result<(AppendResult, [@Sendable () -> Void]), LogError> = state.withLockedValue { state in
            if state.closed { return .failure(LogError(code: .closed, message: "log '\(name)' is closed")) }
            let timestamp = max(now, state.lastTimestamp)
            state.lastTimestamp = timestamp
            let base = state.endOffset
            state.records.reserveCapacity(state.records.count + records.count)
            for (index, record) in records.enumerated() {
                let stored = StoredRecord(
                    offset: base + Int64(index), timestamp: timestamp,
                    key: record.key, headers: record.headers, value: record.value)
                state.sizeInBytes += Self.footprint(of: stored)
                state.records.append(stored)
            }
            state.endOffset = base + Int64(records.count)
            Self.trim(&state, limit: state.configuration.retentionBytes ?? maxBytesWhenUnbounded)
            let ready = Self.takeReadyWaiters(&state)
            return .success((AppendResult(baseOffset: base, count: records.count, timestamp: timestamp, durable: false), ready))
        }
        switch outcome {
        case .failure(let error):
            completion(.failure(error))
        case .success(let (result, ready)):
            for callback in ready { callback() }
            completion(.success(result))
        }
    }

    public func read(from offset: Int64, maxRecords: Int, maxBytes: Int) throws -> ReadResult {
        try state.withLockedValue { state in
            if offset < state.startOffset {
                throw LogError(
                    code: .offsetOutOfRange, message: "offset \(offset) is below the start \(state.startOffset) of '\(name)'",
                    earliestOffset: state.startOffset)
            }
            guard offset < state.endOffset, maxRecords > 0 else { return ReadResult(records: [], nextOffset: offset) }
            let first = state.head + Int(offset - state.startOffset)
            var last = first
            var bytes = 0
            let limit = min(state.records.count, first + maxRecords)
            while last < limit {
                bytes += state.records[last].value.readableBytes
                last += 1
                if bytes >= maxBytes { break }
            }
            let slice = Array(state.records[first..<last])
            return ReadResult(records: slice, nextOffset: offset + Int64(slice.count))
        }
    }

    public func offset(forTimestamp timestamp: Int64) throws -> Int64 {
        state.withLockedValue { state in
            var low = state.head
            var high = state.records.count
            while low < high {
                let middle = (low + high) / 2
                if state.records[middle].timestamp < timestamp { low = middle + 1 } else { high = middle }
            }
            return state.startOffset + Int64(low - state.head)
        }
    }

    public func notifyWhenReadable(beyond offset: Int64, _ callback: @escaping @Sendable () -> Void) {
        let now: Bool = state.withLockedValue { state in
            if state.endOffset > offset || state.closed { return true }
            state.waiters.append((offset, callback))
            return false
        }
        if now { callback() }
    }

    public func reconfigure(_ configuration: LogConfiguration) throws {
        state.withLockedValue { state in
            state.configuration = configuration
            Self.trim(&state, limit: configuration.retentionBytes ?? maxBytesWhenUnbounded)
        }
    }

    /// Drops records older than the retention time, as of `now`. Returns the number of records dropped.
    func enforceRetention(now: Int64) -> Int {
        state.withLockedValue { state in
            guard let age = state.configuration.retentionMilliseconds else { return 0 }
            var dropped = 0
            while state.head < state.records.count, state.records[state.head].timestamp < now - age {
                Self.dropFirst(&state)
                dropped += 1
            }
            Self.compact(&state)
            return dropped
        }
    }

    func close() -> [@Sendable () -> Void] {
        state.withLockedValue { state in
            state.closed = true
            let waiters = state.waiters.map(\.callback)
            state.waiters = []
            return waiters
        }
    }

    private static func trim(_ state: inout State, limit: Int64) {
        while state.sizeInBytes > limit, state.head < state.records.count - 1 {
            dropFirst(&state)
        }
        compact(&state)
    }

    private static func dropFirst(_ state: inout State) {
        state.sizeInBytes -= footprint(of: state.records[state.head])
        state.head += 1
        state.startOffset += 1
    }

    private static func compact(_ state: inout State) {
        if state.head > 1024, state.head * 2 > state.records.count {
            state.records.removeFirst(state.head)
            state.head = 0
        }
    }

    private static func takeReadyWaiters(_ state: inout State) -> [@Sendable () -> Void] {
        guard !state.waiters.isEmpty else { return [] }
        var ready: [@Sendable () -> Void] = []
        let end = state.endOffset
        state.waiters.removeAll { waiter in
            if end > waiter.offset { ready.append(waiter.callback); return true }
            return false
        }
        return ready
    }
}
