import NIOCore
import RoostProtocol

/// Everything a ``RoostClient`` shares between callers and its event loop, behind one lock. Lock order:
/// the client lock may be held while taking a subscription's lock, never the reverse.
struct ClientState {
    var phase: ConnectionState = .idle
    var connection: WebSocketConnection?
    /// Numbers connections, so that callbacks of a replaced connection are ignored.
    var generation: UInt64 = 0
    var nextID: Int64 = 1
    var pending: [Int64: PendingRequest] = [:]
    /// Ids whose caller was cancelled before the request was registered.
    var cancelled: Set<Int64> = []
    /// Every open subscription, by identity, for resubscribing after a reconnect.
    var subscriptions: [ObjectIdentifier: SubscriptionCore] = [:]
    /// Callers of `subscribe` waiting for the first confirm, by subscription identity. Kept apart from
    /// `pending` because a subscribe outlives connections: each connection sends its own request.
    var subscribeWaiters: [ObjectIdentifier: CheckedContinuation<Void, any Error>] = [:]
    /// Open subscriptions by the server's id on the current connection.
    var bySub: [String: SubscriptionCore] = [:]
    /// Encoded frames waiting for the next flush on the event loop.
    var outbox: [ByteBuffer] = []
    var flushScheduled = false
    var observers: [UInt64: AsyncStream<ConnectionState>.Continuation] = [:]
    var nextObserver: UInt64 = 0
    var supervisor: Task<Void, Never>?
    var disconnects: AsyncStream<Void>.Continuation?
    var isClosed = false

    mutating func takeID() -> Int64 {
        defer { nextID += 1 }
        return nextID
    }

    mutating func transition(to phase: ConnectionState) {
        guard self.phase != phase else { return }
        self.phase = phase
        for observer in observers.values { observer.yield(phase) }
    }

    /// Queues `frame` for the current connection; returns the connection when a flush must be scheduled.
    mutating func enqueue(_ frame: ByteBuffer) -> WebSocketConnection? {
        guard let connection, phase == .connected else { return nil }
        outbox.append(frame)
        guard !flushScheduled else { return nil }
        flushScheduled = true
        return connection
    }
}
