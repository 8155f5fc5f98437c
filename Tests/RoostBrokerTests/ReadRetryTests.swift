import NIOConcurrencyHelpers
import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

/// A log read that fails with an I/O error is retried on the next broker tick. (The tick no longer runs the pump
/// of every consumer with members, which cost idle subscriptions work ten times a second; a failed read is what
/// still needs it.)
@Suite(.timeLimit(.minutes(1))) struct ReadRetryTests {
    @Test func aFailedReadIsRetriedOnTheNextTick() async throws {
        let directory = try TemporaryDirectory(prefix: "roost-read-retry")
        defer { directory.remove() }
        let clock = ManualClock()
        let (failures, failed) = AsyncStream<Void>.makeStream()
        let store = FailingReadsStore(InMemoryLogStore(clock: clock), onFailedRead: { failed.yield() })
        // A one-message tail cache: a subscriber from the earliest offset has to read the log.
        let configuration = BrokerConfiguration(tailCacheMessages: 1, tickIntervalMilliseconds: nil)
        let broker = try Broker(configuration: configuration, store: store, stateDirectory: directory.appending("state"), clock: clock)
        defer { try? broker.shutdown() }
        let messages = (0..<10).map { PublishMessage(payload: ByteBuffer(string: "m\($0)")) }
        _ = try await broker.publish(topic: "t", messages: messages)

        let sink = TestSink(mode: .credit)
        let subscription = try broker.subscribe(
            SubscriptionRequest(filter: "t", start: .earliest, ackPolicy: .none), sink: sink)
        sink.attach(subscription)
        var iterator = failures.makeAsyncIterator()
        _ = await iterator.next()
        #expect(sink.snapshot.count == 0)

        store.failing.withLockedValue { $0 = false }
        broker.tick()
        await sink.wait(forCount: 10)
        #expect(sink.snapshot.offsets("t") == Array(0..<10))
        subscription.close()
    }
}

/// A log store whose logs fail every read while `failing` is set, telling `onFailedRead` each time.
private final class FailingReadsStore: LogStore {
    let base: any LogStore
    let failing = NIOLockedValueBox(true)
    let onFailedRead: @Sendable () -> Void

    init(_ base: any LogStore, onFailedRead: @escaping @Sendable () -> Void) {
        self.base = base
        self.onFailedRead = onFailedRead
    }

    func logNames() -> [String] { base.logNames() }
    func log(named name: String) -> (any TopicLog)? { base.log(named: name).map { FailingReadsLog($0, store: self) } }
    func createLog(named name: String, configuration: LogConfiguration) throws -> any TopicLog {
        FailingReadsLog(try base.createLog(named: name, configuration: configuration), store: self)
    }
    func deleteLog(named name: String) throws { try base.deleteLog(named: name) }
    func enforceRetention() throws -> Int { try base.enforceRetention() }
    func close() throws { try base.close() }
}

private final class FailingReadsLog: TopicLog {
    let base: any TopicLog
    let store: FailingReadsStore

    init(_ base: any TopicLog, store: FailingReadsStore) {
        self.base = base
        self.store = store
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
        if store.failing.withLockedValue({ $0 }) {
            store.onFailedRead()
            throw ReadFailure()
        }
        return try base.read(from: offset, maxRecords: maxRecords, maxBytes: maxBytes)
    }

    func offset(forTimestamp timestamp: Int64) throws -> Int64 { try base.offset(forTimestamp: timestamp) }
    func notifyWhenReadable(beyond offset: Int64, _ callback: @escaping @Sendable () -> Void) {
        base.notifyWhenReadable(beyond: offset, callback)
    }
    func reconfigure(_ configuration: LogConfiguration) throws { try base.reconfigure(configuration) }
}

private struct ReadFailure: Error {}
