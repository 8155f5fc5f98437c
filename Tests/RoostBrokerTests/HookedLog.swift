import RoostStorage

/// A log that forwards everything to `base` but passes reads and time lookups through hooks first: a test makes
/// them wait at a gate or fail (a hook that throws fails the call).
final class HookedLog: TopicLog {
    let base: any TopicLog
    private let beforeRead: @Sendable () throws -> Void
    private let beforeTimeLookup: @Sendable () throws -> Void

    init(
        _ base: any TopicLog, beforeRead: @escaping @Sendable () throws -> Void = {},
        beforeTimeLookup: @escaping @Sendable () throws -> Void = {}
    ) {
        self.base = base
        self.beforeRead = beforeRead
        self.beforeTimeLookup = beforeTimeLookup
    }

    var name: String { base.name }
    var configuration: LogConfiguration { base.configuration }
    var startOffset: Int64 { base.startOffset }
    var endOffset: Int64 { base.endOffset }
    var sizeInBytes: Int64 { base.sizeInBytes }

    func append(_ records: [Record], completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void) {
        base.append(records, completion: completion)
    }
    func read(from offset: Int64, maxRecords: Int, maxBytes: Int) throws -> ReadResult {
        try beforeRead()
        return try base.read(from: offset, maxRecords: maxRecords, maxBytes: maxBytes)
    }
    func offset(forTimestamp timestamp: Int64) throws -> Int64 {
        try beforeTimeLookup()
        return try base.offset(forTimestamp: timestamp)
    }
    func notifyWhenReadable(beyond offset: Int64, _ callback: @escaping @Sendable () -> Void) {
        base.notifyWhenReadable(beyond: offset, callback)
    }
    func reconfigure(_ configuration: LogConfiguration) throws { try base.reconfigure(configuration) }
}
