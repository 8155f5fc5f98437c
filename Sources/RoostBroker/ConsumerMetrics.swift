import Metrics

/// The swift-metrics instruments of one consumer. Lag and in-flight are gauges refreshed on each tick.
struct ConsumerMetrics: Sendable {
    let redeliveries: Counter
    let deadLetters: Counter
    let inFlight: Gauge
    let lag: Gauge

    init(consumer: String) {
        let dimensions = [("consumer", consumer)]
        redeliveries = Counter(label: "roost_broker_redeliveries_total", dimensions: dimensions)
        deadLetters = Counter(label: "roost_broker_dead_letters_total", dimensions: dimensions)
        inFlight = Gauge(label: "roost_broker_consumer_in_flight", dimensions: dimensions)
        lag = Gauge(label: "roost_broker_consumer_lag", dimensions: dimensions)
    }
}
