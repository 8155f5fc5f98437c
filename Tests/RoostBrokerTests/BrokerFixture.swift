import Foundation
import NIOCore
import RoostBroker
import RoostStorage

/// A broker over a log store and a temporary state directory, with a manual clock. `restart()` simulates a
/// crash: the old broker is dropped without shutdown and a new one opens the same store and directory.
final class BrokerFixture {
    let directory: String
    let clock = ManualClock()
    let store: any LogStore
    var configuration: BrokerConfiguration
    private(set) var broker: Broker

    init(configuration: BrokerConfiguration = .init(tickIntervalMilliseconds: nil)) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("roost-broker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.configuration = configuration
        store = InMemoryLogStore(clock: clock)
        broker = try Broker(configuration: configuration, store: store, stateDirectory: directory + "/state", clock: clock)
    }

    /// Opens a new broker on the same store and state directory, as after a crash (nothing flushed by a
    /// shutdown: only what the broker had written on its own survives).
    func restart() async throws {
        await broker.flushConsumerState()
        broker = try Broker(configuration: configuration, store: store, stateDirectory: directory + "/state", clock: clock)
    }

    deinit {
        try? broker.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Publishes `count` messages with payloads "m<i>" in batches, waiting for each batch's confirm.
    @discardableResult
    func publish(_ topic: String, count: Int, batch: Int = 1_000, from first: Int = 0) async throws -> [Int64] {
        var offsets: [Int64] = []
        var index = first
        while index < first + count {
            let size = min(batch, first + count - index)
            let messages = (index..<index + size).map { PublishMessage(payload: ByteBuffer(string: "m\($0)")) }
            let confirm = try await broker.publish(topic: topic, messages: messages)
            offsets += confirm.messages.map(\.offset)
            index += size
        }
        return offsets
    }

    func subscribe(
        _ request: SubscriptionRequest, mode: TestSink.Mode = .record, keep: Bool = true, counter: DeliveryCounter? = nil
    ) throws -> (Subscription, TestSink) {
        let sink = TestSink(mode: mode, keepDeliveries: keep, counter: counter)
        let subscription = try broker.subscribe(request, sink: sink)
        sink.attach(subscription)
        return (subscription, sink)
    }
}
