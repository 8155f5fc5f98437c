import CoreMetrics
import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A broker over a log store and a temporary directory, with a manual clock. `restart` reopens the broker
/// (and, for the disk store, the store) on the same directories: after a clean `shutdown`, or as after a
/// crash, dropping the old instances without closing anything.
final class BrokerFixture {
    enum StoreKind: Sendable, CaseIterable {
        case memory
        case disk
    }

    let directory: TemporaryDirectory
    let clock = ManualClock()
    let kind: StoreKind
    var configuration: BrokerConfiguration
    let metricsFactory: (any MetricsFactory)?
    private(set) var store: any LogStore
    private(set) var broker: Broker

    init(
        configuration: BrokerConfiguration = .init(tickIntervalMilliseconds: nil), store kind: StoreKind = .memory,
        metricsFactory: (any MetricsFactory)? = nil
    ) throws {
        self.metricsFactory = metricsFactory
        directory = try TemporaryDirectory(prefix: "roost-broker")
        self.kind = kind
        self.configuration = configuration
        store = try Self.openStore(kind, directory: directory, clock: clock, previous: nil)
        broker = try Broker(configuration: configuration, store: store, stateDirectory: directory.appending("state"), clock: clock,
            metricsFactory: metricsFactory)
    }

    private static func openStore(_ kind: StoreKind, directory: TemporaryDirectory, clock: ManualClock, previous: (any LogStore)?) throws -> any LogStore {
        switch kind {
        case .memory: return previous ?? InMemoryLogStore(clock: clock)
        case .disk: return try DiskLogStore(directory: directory.appending("logs"), clock: clock)
        }
    }

    /// Opens a new broker on the same directories. `clean`: shut the old one down first. Otherwise it is
    /// dropped as in a crash: the broker writes nothing more (only consumer-state flushes already started
    /// survive), and the disk store, which must release its directory lock to be reopened in this process,
    /// is closed and its clean-shutdown marker removed, so that it recovers as after a crash.
    func restart(clean: Bool = false) async throws {
        if clean {
            try broker.shutdown()
        } else {
            await broker.flushConsumerState()
            if kind == .disk {
                try store.close()
                unlink(directory.appending("logs/" + LogFileNames.cleanShutdownMarker))
            }
        }
        store = try Self.openStore(kind, directory: directory, clock: clock, previous: kind == .memory ? store : nil)
        broker = try Broker(configuration: configuration, store: store, stateDirectory: directory.appending("state"), clock: clock,
            metricsFactory: metricsFactory)
    }

    deinit {
        try? broker.shutdown()
        directory.remove()
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
