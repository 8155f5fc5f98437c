import Metrics
import NIOConcurrencyHelpers
import NIOWebSocket

/// The transport's metrics, made from an injected `MetricsFactory` (never the global one), so a library user
/// and every test get their own registry.
///
/// Names (Prometheus): `roost_connections_open`, `roost_connections_total`, `roost_connections_refused_total`,
/// `roost_websocket_sessions_open`, `roost_websocket_frames_received_total`, `roost_websocket_frames_sent_total`,
/// `roost_websocket_bytes_received_total`, `roost_websocket_bytes_sent_total`,
/// `roost_websocket_closes_total{code="..."}` (`none` when TCP ended without a close frame),
/// `roost_security_refusals_total{reason="..."}` (``refusalReasons``). The configured limits are ``LimitGauges``.
final class TransportMetrics: Sendable {
    private let factory: any MetricsFactory
    private let connectionsOpen: Meter
    private let connectionsTotal: Counter
    private let connectionsRefused: Counter
    private let sessionsOpen: Meter
    private let framesReceived: Counter
    private let framesSentCounter: Counter
    private let bytesReceived: Counter
    private let bytesSent: Counter
    private let closes: NIOLockedValueBox<[String: Counter]>
    private let refusals: NIOLockedValueBox<[String: Counter]>

    init(factory: any MetricsFactory) {
        self.factory = factory
        self.connectionsOpen = Meter(label: "roost_connections_open", factory: factory)
        self.connectionsTotal = Counter(label: "roost_connections_total", factory: factory)
        self.connectionsRefused = Counter(label: "roost_connections_refused_total", factory: factory)
        self.sessionsOpen = Meter(label: "roost_websocket_sessions_open", factory: factory)
        self.framesReceived = Counter(label: "roost_websocket_frames_received_total", factory: factory)
        self.framesSentCounter = Counter(label: "roost_websocket_frames_sent_total", factory: factory)
        self.bytesReceived = Counter(label: "roost_websocket_bytes_received_total", factory: factory)
        self.bytesSent = Counter(label: "roost_websocket_bytes_sent_total", factory: factory)
        self.closes = NIOLockedValueBox([:])
        var refusals: [String: Counter] = [:]
        for reason in Self.refusalReasons {
            refusals[reason] = Counter(label: "roost_security_refusals_total", dimensions: [("reason", reason)], factory: factory)
        }
        self.refusals = NIOLockedValueBox(refusals)
    }

    func connectionOpened() {
        self.connectionsTotal.increment()
        self.connectionsOpen.increment()
    }

    func connectionClosed() {
        self.connectionsOpen.decrement()
    }

    /// Counts a connection refused at accept: `atLimit` when `maxConnections` were open (also counted as the
    /// refusal reason `max_connections`), false when the server was shutting down.
    func connectionRefused(atLimit: Bool) {
        self.connectionsRefused.increment()
        if atLimit { self.securityRefusal("max_connections") }
    }

    /// The reasons of `roost_security_refusals_total`, exported from the start (at 0) so that dashboards and alerts
    /// see every series before the first refusal:
    /// - `origin`: a WebSocket upgrade from a foreign `Origin` (403);
    /// - `unauthorized`: a token not accepted, at the upgrade, on an admin route or in an `auth` frame (401);
    /// - `unauthenticated`: a request frame sent before the connection authenticated;
    /// - `auth_timeout`: a connection closed for not authenticating in time (1008);
    /// - `token_expired`: a connection closed because its credential expired (1008);
    /// - `forbidden`: a publish, subscribe or admin call outside the principal's permissions;
    /// - `rate_limited`: a publish beyond the connection's rate;
    /// - `principal_connections`: a connection beyond the per-token limit (429, or an `auth` frame refused);
    /// - `max_connections`: a connection beyond the server's `maxConnections` (503).
    static let refusalReasons = [
        "origin", "unauthorized", "unauthenticated", "auth_timeout", "token_expired", "forbidden", "rate_limited",
        "principal_connections", "max_connections",
    ]

    /// Counts a request or connection refused for security or a limit; `reason` is one of ``refusalReasons``.
    func securityRefusal(_ reason: String) {
        let counter = self.refusals.withLockedValue { counters in
            if let counter = counters[reason] { return counter }
            let counter = Counter(label: "roost_security_refusals_total", dimensions: [("reason", reason)], factory: self.factory)
            counters[reason] = counter
            return counter
        }
        counter.increment()
    }

    func sessionOpened() {
        self.sessionsOpen.increment()
    }

    func sessionClosed(code: WebSocketErrorCode?) {
        self.sessionsOpen.decrement()
        let label = code.map { String(UInt16(webSocketErrorCode: $0)) } ?? "none"
        let counter = self.closes.withLockedValue { counters in
            if let counter = counters[label] { return counter }
            let counter = Counter(label: "roost_websocket_closes_total", dimensions: [("code", label)], factory: self.factory)
            counters[label] = counter
            return counter
        }
        counter.increment()
    }

    func frameReceived(bytes: Int) {
        self.framesReceived.increment()
        self.bytesReceived.increment(by: bytes)
    }

    func framesSent(count: Int, bytes: Int) {
        self.framesSentCounter.increment(by: count)
        self.bytesSent.increment(by: bytes)
    }
}
