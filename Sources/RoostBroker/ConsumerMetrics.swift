import CoreMetrics

/// The swift-metrics instruments of one consumer. Lag and in-flight are gauges refreshed on each tick.
///
/// Durable consumers are labelled with their name and their instruments are destroyed when the consumer is
/// deleted. Ephemeral consumers come and go with subscriptions and their names (`~<id>`) mean nothing to an
/// operator: they share one pair of counters labelled `~ephemeral` (a value no durable name can take) and have no
/// gauges, so that neither the registry nor the `/metrics` page grows with every subscription ever made.
struct ConsumerMetrics: Sendable {
    /// The `consumer` label shared by every ephemeral consumer.
    static let ephemeralLabel = "~ephemeral"

    let redeliveries: Counter
    let deadLetters: Counter
    /// Offsets skipped because they are damaged on disk: one broker-wide counter (no consumer label, so that it
    /// adds nothing per consumer; the log line names the consumer and offsets).
    let damagedSkipped: Counter
    /// `nil` for ephemeral consumers.
    let inFlight: Gauge?
    /// `nil` for ephemeral consumers.
    let lag: Gauge?
    private let owned: Bool

    init(consumer: String, durable: Bool, factory: any MetricsFactory) {
        let dimensions = [("consumer", durable ? consumer : Self.ephemeralLabel)]
        redeliveries = Counter(label: "roost_broker_redeliveries_total", dimensions: dimensions, factory: factory)
        deadLetters = Counter(label: "roost_broker_dead_letters_total", dimensions: dimensions, factory: factory)
        damagedSkipped = Counter(label: "roost_broker_damaged_offsets_skipped_total", dimensions: [], factory: factory)
        if durable {
            inFlight = Gauge(label: "roost_broker_consumer_in_flight", dimensions: dimensions, factory: factory)
            lag = Gauge(label: "roost_broker_consumer_lag", dimensions: dimensions, factory: factory)
        } else {
            inFlight = nil
            lag = nil
        }
        owned = durable
    }

    /// Removes a deleted durable consumer's instruments from the metrics backend; the shared ephemeral
    /// counters stay.
    func destroy() {
        guard owned else { return }
        redeliveries.destroy()
        deadLetters.destroy()
        inFlight?.destroy()
        lag?.destroy()
    }
}
