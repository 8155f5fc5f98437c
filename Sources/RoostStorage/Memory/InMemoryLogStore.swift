import NIOConcurrencyHelpers

/// A `LogStore` whose logs live in memory (see `InMemoryTopicLog`). Nothing survives the process; use
/// `DiskLogStore` for persistence. Thread-safe.
public final class InMemoryLogStore: LogStore {
    private struct State {
        var logs: [String: InMemoryTopicLog] = [:]
        var closed = false
    }

    private let clock: any WallClock
    private let maxBytesPerLog: Int64
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - clock: gives record timestamps and drives time retention.
    ///   - maxBytesPerLog: the size bound of a log whose configuration has no `retentionBytes`, so that an
    ///     in-memory log never grows without limit. Default 1 GiB.
    public init(clock: any WallClock = SystemWallClock(), maxBytesPerLog: Int64 = 1 << 30) {
        self.clock = clock
        self.maxBytesPerLog = maxBytesPerLog
    }

    public func logNames() -> [String] {
        state.withLockedValue { $0.logs.keys.sorted() }
    }

    public func log(named name: String) -> (any TopicLog)? {
        state.withLockedValue { $0.logs[name] }
    }

    public func createLog(named name: String, configuration: LogConfiguration) throws -> any TopicLog {
        try state.withLockedValue { state in
            if state.closed { throw LogError(code: .closed, message: "store is closed") }
            if state.logs[name] != nil { throw LogError(code: .alreadyExists, message: "log '\(name)' exists") }
            let log = InMemoryTopicLog(name: name, configuration: configuration, clock: clock, maxBytesWhenUnbounded: maxBytesPerLog)
            state.logs[name] = log
            return log
        }
    }

    public func deleteLog(named name: String) throws {
        let removed = state.withLockedValue { $0.logs.removeValue(forKey: name) }
        guard let removed else { throw LogError(code: .notFound, message: "no log '\(name)'") }
        for waiter in removed.close() { waiter() }
    }

    /// Drops records older than each log's retention time. An in-memory log has no segments: the count
    /// returned is of records dropped.
    @discardableResult
    public func enforceRetention() throws -> Int {
        let logs = state.withLockedValue { Array($0.logs.values) }
        let now = clock.nowMilliseconds()
        return logs.reduce(0) { $0 + $1.enforceRetention(now: now) }
    }

    public func close() throws {
        let logs = state.withLockedValue { state in
            state.closed = true
            return Array(state.logs.values)
        }
        for log in logs { for waiter in log.close() { waiter() } }
    }
}
