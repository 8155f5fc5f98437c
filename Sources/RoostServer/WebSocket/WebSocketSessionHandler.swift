import NIOCore
import NIOWebSocket

/// The upper layer of one WebSocket connection: what the broker plugs into the transport.
///
/// Every method is called on the connection's event loop, in order, never concurrently, so an implementation
/// needs no lock for its per-connection state. Messages arrive already reassembled and validated (UTF-8 for text);
/// the transport handles pings, pongs, keepalive and the close handshake itself.
public protocol WebSocketSessionHandler: AnyObject {
    /// The connection was upgraded and is ready to send. Called once, first.
    func opened(session: WebSocketSession)

    /// A complete message arrived. `isText` tells which frame type carried it.
    func received(message: ByteBuffer, isText: Bool, session: WebSocketSession)

    /// The connection's outbound buffer crossed a water mark. While `isWritable` is false the handler should stop
    /// pulling deliveries and resume when it is called with true.
    func writabilityChanged(isWritable: Bool, session: WebSocketSession)

    /// The server is shutting down. The returned future completes once the handler has sent what it must
    /// (in-flight confirms); then the transport sends close 1001. Bounded by the shutdown timeout.
    func draining(session: WebSocketSession) -> EventLoopFuture<Void>

    /// The session is over: a close frame was received or sent, or TCP went away. Called at that moment, before
    /// the close handshake completes, so that nothing more is handed to a connection that will not send it.
    /// `code` is the close code that ended it (sent by the peer or by the server), or nil when TCP went away
    /// without a close handshake. Called once, last; the session sends nothing after it.
    func closed(session: WebSocketSession, code: WebSocketErrorCode?)
}

extension WebSocketSessionHandler {
    /// Default: nothing to do.
    public func opened(session: WebSocketSession) {}

    /// Default: nothing to do.
    public func writabilityChanged(isWritable: Bool, session: WebSocketSession) {}

    /// Default: nothing to finish.
    public func draining(session: WebSocketSession) -> EventLoopFuture<Void> {
        session.eventLoop.makeSucceededVoidFuture()
    }

    /// Default: nothing to do.
    public func closed(session: WebSocketSession, code: WebSocketErrorCode?) {}
}

/// Creates the session handler of a newly upgraded connection; called on that connection's event loop.
public typealias WebSocketSessionFactory = @Sendable (WebSocketSession) -> any WebSocketSessionHandler
