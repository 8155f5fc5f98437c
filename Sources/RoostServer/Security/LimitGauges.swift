import CoreMetrics
import NIOCore
import RoostBroker
import RoostSecurity

/// The configured limits, exported once at start as gauges `roost_limit{limit="<setting>"}` named after their
/// `roost serve` settings (Docs/operations.md), so an operator sees on `/metrics` which limits a refusal counted in
/// `roost_security_refusals_total{reason}` ran into, and alerts can compare usage (`roost_connections_open`) with its
/// limit. Sizes in bytes, rates per second, timeouts in ms; 0 means "no limit" where the setting allows none.
enum LimitGauges {
    /// The limits the WebSocket/HTTP frontend and its security apply: connections (overall and per token), frame
    /// size, handshake, authentication and idle timeouts, publish rate and burst.
    static func transport(_ server: ServerConfiguration, _ security: SecurityConfiguration) -> [(String, Double)] {
        [
            ("max_connections", Double(server.maxConnections)),
            ("max_connections_per_principal", Double(security.maxConnectionsPerPrincipal)),
            ("max_frame_bytes", Double(server.maxFrameSize)),
            ("handshake_timeout_ms", Double(server.handshakeTimeout.nanoseconds / 1_000_000)),
            ("auth_timeout_ms", Double(security.authTimeoutMilliseconds)),
            ("idle_timeout_ms", Double(server.idleTimeout.nanoseconds / 1_000_000)),
            ("publish_rate", security.publishRatePerSecond ?? 0),
            ("publish_burst", Double(security.publishBurst)),
        ]
    }

    /// The limits the broker sessions apply: subscriptions per connection, message and batch sizes, unconfirmed
    /// publishes per connection.
    static func sessions(_ session: SessionConfiguration, _ broker: BrokerConfiguration) -> [(String, Double)] {
        [
            ("max_subscriptions", Double(session.maxSubscriptionsPerConnection)),
            ("max_message_bytes", Double(broker.maxMessageBytes)),
            ("max_batch_messages", Double(broker.maxBatchMessages)),
            ("max_batch_bytes", Double(broker.maxBatchBytes)),
            ("max_pending_publishes", Double(session.maxPendingPublishes)),
        ]
    }

    /// Records each limit in its gauge.
    static func export(_ limits: [(String, Double)], factory: any MetricsFactory) {
        for (name, value) in limits {
            Gauge(label: "roost_limit", dimensions: [("limit", name)], factory: factory).record(value)
        }
    }
}
