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
    /// Complete, masked WebSocket frames waiting for the next flush on the event loop, written together
    /// (one `writev`) and flushed once. While disconnected it holds frames of pending publishes only and is
    /// rebuilt from `pending` when a connection is installed.
    var outbox: [ByteBuffer] = []
    var flushScheduled = false
    /// Masking keys for outbound frames (see `MaskGenerator`).
    var masks = MaskGenerator()
    /// Reused for encoding one frame before it is masked onto the outbox.
    var scratch = ByteBuffer()
    var observers: [UInt64: AsyncStream<ConnectionState>.Continuation] = [:]
    var nextObserver: UInt64 = 0
    var supervisor: Task<Void, Never>?
    var disconnects: AsyncStream<Void>.Continuation?
    var isClosed = false
    /// The token of the last successful ``RoostClient/authenticate(token:)``: used by later reconnects instead of
    /// the configuration's.
    var token: String?

    mutating func takeID() -> Int64 {
        defer { nextID += 1 }
        return nextID
    }

    mutating func transition(to phase: ConnectionState) {
        guard self.phase != phase else { return }
        self.phase = phase
        for observer in observers.values { observer.yield(phase) }
    }

    /// Encodes `frame`, frames and masks it, queues it on the outbox, and returns the framed bytes (kept by
    /// pending publishes for resending after a reconnect).
    mutating func append(_ frame: ClientFrame, codec: any FrameCodec) -> ByteBuffer {
        scratch.clear()
        codec.encode(frame, into: &scratch)
        var framed = ByteBufferAllocator().buffer(capacity: scratch.readableBytes + 14)
        WebSocketFraming.appendMaskedFrame(scratch, binary: codec.encoding == .binary, maskKey: masks.nextWord(), into: &framed)
        outbox.append(framed)
        return framed
    }

    /// The connection to schedule a flush on, if connected and none is scheduled yet.
    mutating func flushDue() -> WebSocketConnection? {
        guard let connection, phase == .connected, !flushScheduled else { return nil }
        flushScheduled = true
        return connection
    }
}
