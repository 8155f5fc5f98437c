import CoreMetrics
import Synchronization

/// Totals of the broker sessions, for the admin `stats` route and `/metrics`. Sessions update them once per
/// batch (an atomic add per counter), never once per message.
///
/// Metric names (Prometheus): `roost_publish_requests_total`, `roost_messages_published_total`,
/// `roost_bytes_published_total`, `roost_messages_delivered_total`, `roost_bytes_delivered_total`,
/// `roost_errors_total{code}`, `roost_subscriptions_open`.
public final class ServerStatistics: Sendable {
    private let factory: any MetricsFactory
    private let publishRequestsCounter: Counter
    private let messagesPublishedCounter: Counter
    private let bytesPublishedCounter: Counter
    private let messagesDeliveredCounter: Counter
    private let bytesDeliveredCounter: Counter
    private let subscriptionsGauge: Meter
    private let errorCounters = Mutex<[String: Counter]>([:])

    private let messagesInTotal = Atomic<Int64>(0)
    private let messagesOutTotal = Atomic<Int64>(0)
    private let bytesInTotal = Atomic<Int64>(0)
    private let bytesOutTotal = Atomic<Int64>(0)
    private let subscriptionsOpen = Atomic<Int>(0)

    /// Creates the instruments through `factory` (the server's Prometheus registry, never the global system).
    public init(factory: any MetricsFactory) {
        self.factory = factory
        publishRequestsCounter = Counter(label: "roost_publish_requests_total", factory: factory)
        messagesPublishedCounter = Counter(label: "roost_messages_published_total", factory: factory)
        bytesPublishedCounter = Counter(label: "roost_bytes_published_total", factory: factory)
        messagesDeliveredCounter = Counter(label: "roost_messages_delivered_total", factory: factory)
        bytesDeliveredCounter = Counter(label: "roost_bytes_delivered_total", factory: factory)
        subscriptionsGauge = Meter(label: "roost_subscriptions_open", factory: factory)
    }

    /// Messages stored by publishes over WebSocket.
    public var messagesIn: Int64 { messagesInTotal.load(ordering: .relaxed) }
    /// Messages written to subscribers (redeliveries included).
    public var messagesOut: Int64 { messagesOutTotal.load(ordering: .relaxed) }
    /// Payload bytes stored by publishes.
    public var bytesIn: Int64 { bytesInTotal.load(ordering: .relaxed) }
    /// Frame bytes written to subscribers for deliveries.
    public var bytesOut: Int64 { bytesOutTotal.load(ordering: .relaxed) }
    /// Subscriptions open on WebSocket connections.
    public var subscriptions: Int { subscriptionsOpen.load(ordering: .relaxed) }

    func published(requests: Int, messages: Int, bytes: Int) {
        if requests > 0 { publishRequestsCounter.increment(by: requests) }
        guard messages > 0 else { return }
        messagesPublishedCounter.increment(by: messages)
        bytesPublishedCounter.increment(by: bytes)
        messagesInTotal.add(Int64(messages), ordering: .relaxed)
        bytesInTotal.add(Int64(bytes), ordering: .relaxed)
    }

    func delivered(messages: Int, bytes: Int) {
        guard messages > 0 else { return }
        messagesDeliveredCounter.increment(by: messages)
        bytesDeliveredCounter.increment(by: bytes)
        messagesOutTotal.add(Int64(messages), ordering: .relaxed)
        bytesOutTotal.add(Int64(bytes), ordering: .relaxed)
    }

    func subscriptionOpened() {
        subscriptionsOpen.add(1, ordering: .relaxed)
        subscriptionsGauge.increment()
    }

    func subscriptionClosed() {
        subscriptionsOpen.subtract(1, ordering: .relaxed)
        subscriptionsGauge.decrement()
    }

    /// Counts an `error` frame or admin error by its wire code (rare: a lock and a dictionary lookup).
    func error(code: String) {
        let counter = errorCounters.withLock { counters in
            if let counter = counters[code] { return counter }
            let counter = Counter(label: "roost_errors_total", dimensions: [("code", code)], factory: factory)
            counters[code] = counter
            return counter
        }
        counter.increment()
    }
}
