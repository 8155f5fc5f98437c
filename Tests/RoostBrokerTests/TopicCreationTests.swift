import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

/// A first publish creates the topic's log on the broker's creation queue, not on the caller's thread: the
/// caller returns at once, publishes arriving meanwhile wait (bounded) and are appended in the order they were
/// made, and a failed create reaches every waiter and leaves the name free for a later try.
@Suite(.timeLimit(.minutes(1))) struct TopicCreationTests {
    /// Publish results by call index, and a way to wait for a number of them.
    final class Results: Sendable {
        private struct State {
            var results: [Int: Result<PublishConfirm, BrokerError>] = [:]
            var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        }
        private let state = NIOLockedValueBox(State())

        func record(_ index: Int, _ result: Result<PublishConfirm, BrokerError>) {
            let ready = state.withLockedValue { state in
                state.results[index] = result
                let count = state.results.count
                let ready = state.waiters.filter { $0.count <= count }.map(\.continuation)
                state.waiters.removeAll { $0.count <= count }
                return ready
            }
            for continuation in ready { continuation.resume() }
        }

        var snapshot: [Int: Result<PublishConfirm, BrokerError>] { state.withLockedValue { $0.results } }

        func wait(forCount count: Int) async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLockedValue { state in
                    if state.results.count >= count { return true }
                    state.waiters.append((count, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        }

        func offset(_ index: Int) -> Int64? {
            guard case .success(let confirm)? = snapshot[index] else { return nil }
            return confirm.messages.first?.offset
        }

        func error(_ index: Int) -> BrokerError? {
            guard case .failure(let error)? = snapshot[index] else { return nil }
            return error
        }
    }

    /// Runs a blocking broker call on a thread of its own: blocked on the store's gate, it must not hold one of
    /// the few threads of Swift's cooperative pool, which the rest of the test (and other tests) need to run.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "roost.test.blocking").async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// A broker over a gated in-memory store in a temporary directory.
    private final class Setup {
        let directory: TemporaryDirectory
        let store: GatedStore
        let broker: Broker
        let results = Results()

        init(holding: Bool = true, failCreates: Int = 0, maxWaiters: Int = 10_000) throws {
            directory = try TemporaryDirectory(prefix: "roost-topic-creation")
            store = GatedStore(InMemoryLogStore(clock: ManualClock()), holding: holding, failCreates: failCreates)
            let configuration = BrokerConfiguration(tickIntervalMilliseconds: nil, maxTopicCreateWaiters: maxWaiters)
            broker = try Broker(configuration: configuration, store: store, stateDirectory: directory.appending("state"), clock: ManualClock())
        }

        func tearDown() {
            try? broker.shutdown()
            directory.remove()
        }
    }

    private func publish(_ broker: Broker, _ topic: String, _ value: String, _ index: Int, into results: Results) {
        broker.publish(topic: topic, messages: [PublishMessage(payload: ByteBuffer(string: value))]) { results.record(index, $0) }
    }

    @Test func publishesFromSeveralConnectionsWaitForTheCreateAndKeepTheirOrder() async throws {
        let setup = try Setup()
        defer { setup.tearDown() }
        let (store, broker, results) = (setup.store, setup.broker, setup.results)
        // Connection A's first publish starts the create; the call returns while the log is held at the gate.
        publish(broker, "orders", "a0", 0, into: results)
        await store.waitUntilEntered(1)
        // Three connections interleave while the create is under way.
        var calls = [(connection: "a", number: 0)]
        for number in 1..<10 {
            for connection in ["a", "b", "c"] where !(connection == "a" && number == 0) {
                publish(broker, "orders", "\(connection)\(number)", calls.count, into: results)
                calls.append((connection, number))
            }
        }
        #expect(results.snapshot.isEmpty, "no publish completes before the log exists")
        #expect(broker.listTopics().isEmpty, "the topic is registered only once its log exists")
        store.openGate()
        await results.wait(forCount: calls.count)
        // Each waiter is appended in call order, so every connection's publishes keep their order.
        for index in calls.indices { #expect(results.offset(index) == Int64(index), "call \(index) \(calls[index])") }
        for connection in ["a", "b", "c"] {
            let offsets = calls.indices.filter { calls[$0].connection == connection }.compactMap(results.offset)
            #expect(offsets == offsets.sorted() && offsets.count == (connection == "a" ? 10 : 9))
        }
        let after = try await broker.publish(topic: "orders", messages: [PublishMessage(payload: ByteBuffer(string: "later"))])
        #expect(after.messages.first?.offset == Int64(calls.count))
        #expect(try broker.describeTopic("orders").autoCreated)
        #expect(store.logNames() == ["orders"])
    }

    @Test func aFailedCreateFailsEveryWaiterAndALaterPublishTriesAgain() async throws {
        let setup = try Setup(failCreates: 1)
        defer { setup.tearDown() }
        let (store, broker, results) = (setup.store, setup.broker, setup.results)
        publish(broker, "t", "first", 0, into: results)
        await store.waitUntilEntered(1)
        publish(broker, "t", "second", 1, into: results)
        publish(broker, "t", "third", 2, into: results)
        store.openGate()
        await results.wait(forCount: 3)
        for index in 0..<3 { #expect(results.error(index)?.code == .storage, "waiter \(index) gets the create's error") }
        #expect(broker.listTopics().isEmpty)

        let retried = try await broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: "again"))])
        #expect(retried.messages.first?.offset == 0)
        #expect(try broker.describeTopic("t").endOffset == 1)
    }

    @Test func waitersForOneTopicAreBounded() async throws {
        let setup = try Setup(maxWaiters: 2)
        defer { setup.tearDown() }
        let (store, broker, results) = (setup.store, setup.broker, setup.results)
        publish(broker, "t", "0", 0, into: results)
        await store.waitUntilEntered(1)
        publish(broker, "t", "1", 1, into: results)
        publish(broker, "t", "2", 2, into: results)
        await results.wait(forCount: 1)
        let refused = try #require(results.error(2), "the third waiter is refused at once")
        #expect(refused.code == .storage && refused.storageError?.code == .overloaded)
        // Another topic does not wait behind this one's limit (its create queues on the same queue, though).
        publish(broker, "u", "0", 3, into: results)
        store.openGate()
        await results.wait(forCount: 4)
        #expect(results.offset(0) == 0 && results.offset(1) == 1 && results.offset(3) == 0)
    }

    @Test func anExplicitCreateMakesPublishesWaitAndARaceIsRefused() async throws {
        let setup = try Setup()
        defer { setup.tearDown() }
        let (store, broker, results) = (setup.store, setup.broker, setup.results)
        let created = Task { try await Self.onOwnThread { try broker.createTopic("admin") } }
        await store.waitUntilEntered(1)
        #expect(throws: BrokerError.self) { try broker.createTopic("admin") }
        publish(broker, "admin", "waits", 0, into: results)
        #expect(results.snapshot.isEmpty)
        store.openGate()
        let description = try await created.value
        #expect(!description.autoCreated)
        await results.wait(forCount: 1)
        #expect(results.offset(0) == 0)
        #expect(try !broker.describeTopic("admin").autoCreated)
    }

    @Test func publishesDuringADeleteRecreateTheTopicAfterTheOldLogIsGone() async throws {
        let setup = try Setup(holding: false)
        defer { setup.tearDown() }
        let (store, broker, results) = (setup.store, setup.broker, setup.results)
        for value in ["x", "y"] { _ = try await broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: value))]) }
        store.closeGate()
        let deleted = Task { try await Self.onOwnThread { try broker.deleteTopic("t") } }
        await store.waitUntilEntered(2)
        publish(broker, "t", "z", 0, into: results)
        #expect(results.snapshot.isEmpty, "a publish waits while the log is deleted")
        store.openGate()
        try await deleted.value
        await results.wait(forCount: 1)
        let again = try #require(try results.snapshot[0]?.get())
        #expect(again.messages.first?.offset == 0, "a new log, not the deleted one")
    }
}
