import NIOCore
import NIOWebSocket
import RoostSecurity

/// The sending side of one WebSocket connection, handed to its ``WebSocketSessionHandler``.
///
/// Meant to be used on ``eventLoop`` (where the handler's callbacks run): there every call acts at once. Called from
/// elsewhere, a call hops to the event loop first, so it is safe but costs a hop; the broker should deliver from
/// the connection's event loop.
public final class WebSocketSession: Sendable {
    /// A number unique among the sessions of one server.
    public let id: UInt64

    /// The encoding negotiated in the handshake.
    public let subprotocol: WebSocketSubprotocol

    /// The peer's address, when the socket knew it.
    public let remoteAddress: SocketAddress?

    /// The event loop that owns this connection.
    public let eventLoop: any EventLoop

    /// Who the connection is now, and what they may do: the upgrade's token, replaced by each accepted `auth`
    /// frame (``authenticate(as:)``); ``Principal/anonymous``, allowed everything, when authentication is off;
    /// ``Principal/unauthenticated`` (``Principal/isAuthenticated`` false) for an upgrade without a token until an
    /// `auth` frame succeeds: the session handler must refuse every other request then, and the transport closes
    /// the connection with 1008 when ``SecurityConfiguration/authTimeoutMilliseconds`` passes first. The session
    /// handler checks every publish, subscribe and admin request against ``Principal/permissions``.
    public var principal: Principal { self.credential.principal }

    /// The server's security: ``ServerSecurity/makePublishLimiter()`` gives the session its publish rate limiter.
    public let security: ServerSecurity

    let channel: any Channel
    private let credential: ConnectionCredential
    private let connection: NIOLoopBoundBox<WebSocketConnectionHandler?>

    init(
        id: UInt64, subprotocol: WebSocketSubprotocol, channel: any Channel, connection: WebSocketConnectionHandler,
        credential: ConnectionCredential, security: ServerSecurity = .disabled
    ) {
        self.id = id
        self.credential = credential
        self.security = security
        self.subprotocol = subprotocol
        self.channel = channel
        self.remoteAddress = channel.remoteAddress
        self.eventLoop = channel.eventLoop
        self.connection = NIOLoopBoundBox(connection, eventLoop: channel.eventLoop)
    }

    /// Whether the outbound buffer is under the high water mark. Stop sending when false and wait for
    /// ``WebSocketSessionHandler/writabilityChanged(isWritable:session:)``. Safe from any thread.
    public var isWritable: Bool { self.channel.isWritable }

    /// Sends each buffer as one message (one frame), then flushes once for the whole batch.
    ///
    /// - Parameters:
    ///   - messages: encoded messages, sent in order.
    ///   - asText: text or binary frames; nil means the subprotocol's frame type.
    /// - Returns: whether the connection is still writable after this batch (off the event loop: as last seen).
    @discardableResult
    public func send(_ messages: [ByteBuffer], asText: Bool? = nil) -> Bool {
        let opcode: WebSocketOpcode = (asText ?? self.subprotocol.usesTextFrames) ? .text : .binary
        guard self.eventLoop.inEventLoop else {
            self.eventLoop.execute { self.connection.value?.send(messages, opcode: opcode) }
            return self.channel.isWritable
        }
        self.connection.value?.send(messages, opcode: opcode)
        return self.channel.isWritable
    }

    /// Sends frames encoded with their headers (``OutputBatch``) with one write and one flush.
    @discardableResult
    func send(framed: FramedBytes) -> Bool {
        guard self.eventLoop.inEventLoop else {
            self.eventLoop.execute { self.connection.value?.send(framed: framed) }
            return self.channel.isWritable
        }
        self.connection.value?.send(framed: framed)
        return self.channel.isWritable
    }

    /// Sends one message; see ``send(_:asText:)``.
    @discardableResult
    public func send(_ message: ByteBuffer, asText: Bool? = nil) -> Bool {
        self.send([message], asText: asText)
    }

    /// Starts the close handshake: sends a close frame with `code` and `reason` (truncated to fit a control
    /// frame), then closes TCP when the peer answers or after the close timeout. Later sends are dropped.
    public func close(code: WebSocketErrorCode = .normalClosure, reason: String = "") {
        guard self.eventLoop.inEventLoop else {
            self.eventLoop.execute { self.connection.value?.initiateClose(code: code, reason: reason) }
            return
        }
        self.connection.value?.initiateClose(code: code, reason: reason)
    }

    /// Stops (true) or resumes (false) reading from the socket: inbound back pressure. The broker pauses a
    /// connection whose publishes wait for storage beyond its in-flight limit, so a fast publisher cannot make
    /// server memory grow; TCP flow control then slows the publisher down. Messages already read from the socket
    /// when reading stops are still delivered. The idle timeout does not run while paused (the peer's pongs cannot
    /// be read).
    public func setReadingPaused(_ paused: Bool) {
        guard self.eventLoop.inEventLoop else {
            self.eventLoop.execute { self.connection.value?.setReadingPaused(paused) }
            return
        }
        self.connection.value?.setReadingPaused(paused)
    }

    /// Makes `principal` the connection's credential after an accepted `auth` frame: the per-principal connection
    /// count moves from the old identity to the new one, the new expiry decides when the connection is told
    /// `token_expired`, and a connection waiting to authenticate loses its deadline. Returns false, changing
    /// nothing, when the new identity already holds ``SecurityConfiguration/maxConnectionsPerPrincipal``
    /// connections. On the event loop.
    func authenticate(as principal: Principal) -> Bool {
        guard self.credential.replace(with: principal) else { return false }
        self.connection.value?.reauthenticated()
        return true
    }

    /// Counts a refusal in `roost_security_refusals_total{reason}` (`forbidden`, `rate_limited`, ...). On the event
    /// loop.
    func countSecurityRefusal(_ reason: String) {
        self.connection.value?.countSecurityRefusal(reason)
    }

    /// Drops the reference to the connection once it is gone, so the two do not keep each other alive.
    func detach() {
        self.connection.value = nil
    }
}
