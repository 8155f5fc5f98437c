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
    func log(named name: String) -> (any TopicLog)? { base.log(named: name).map { failingReads($0) } }
    func createLog(named name: String, configuration: LogConfiguration) throws -> any TopicLog {
        failingReads(try base.createLog(named: name, configuration: configuration))
    }
    func deleteLog(named name: String) throws { try base.deleteLog(named: name) }
    func enforceRetention() throws -> Int { try base.enforceRetention() }
    func close() throws { try base.close() }

    /// `log` with its reads failing while `failing` is set.
    private func failingReads(_ log: any TopicLog) -> any TopicLog {
        HookedLog(log, beforeRead: { [self] in
            guard failing.withLockedValue({ $0 }) else { return }
            onFailedRead()
            throw ReadFailure()
        })
    }
}

private struct ReadFailure: Error {}
