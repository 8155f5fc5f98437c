/// Where a ``RoostClient``'s connection is; observe it with ``RoostClient/stateUpdates()``.
public enum ConnectionState: Sendable, Hashable {
    /// `connect()` has not been called yet.
    case idle
    /// The first connection attempt is under way.
    case connecting
    /// The WebSocket is open; requests flow.
    case connected
    /// The connection was lost; retry number `attempt` (1 = first) comes after a backoff delay.
    /// Publishes and subscriptions wait and are resent once connected.
    case reconnecting(attempt: Int)
    /// `close()` was called, or the first connect failed. Final.
    case closed
}
