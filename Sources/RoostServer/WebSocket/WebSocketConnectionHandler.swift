import NIOCore
import NIOWebSocket
import RoostProtocol
import RoostSecurity

/// The channel handler of an upgraded connection: runs ``WebSocketFrameProcessor`` over decoded frames and carries
/// out its actions, owns the close handshake, keepalive pings and the idle timeout, and drives the session handler.
///
/// Lives on the connection's event loop, like all its state.
final class WebSocketConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private enum State {
        case open
        /// We sent a close frame and wait for the peer's (or the close timeout).
        case closeSent
        /// TCP is closing or closed; nothing more is sent.
        case closed
    }

    /// The few settings a connection reads after setup, copied out of ``ServerConfiguration``: the whole
    /// configuration is hundreds of bytes, and this object exists once per connection (idle memory, issue 4).
    private struct Settings {
        var pingInterval: TimeAmount
        var idleTimeout: TimeAmount
        var closeTimeout: TimeAmount
        var maxOutboundBufferSize: Int
    }

    private let configuration: Settings
    private let subprotocol: WebSocketSubprotocol
    private let sessionID: UInt64
    private let sessionFactory: WebSocketSessionFactory
    private let metrics: TransportMetrics
    private let credential: ConnectionCredential
    private let security: ServerSecurity

    private var processor: WebSocketFrameProcessor
    private var state = State.open
    private var context: ChannelHandlerContext?
    private var session: WebSocketSession?
    private var sessionHandler: (any WebSocketSessionHandler)?
    /// The next keepalive tick: one callback re-armed per tick, the handler itself as its target. A `RepeatedTask`
    /// costs about 500 bytes of closures, promises and futures per connection; this costs only the timer slot.
    private var keepalive: NIOScheduledCallback?
    private var closeTimer: Scheduled<Void>?
    private var expiryTimer: Scheduled<Void>?
    private var authTimer: Scheduled<Void>?
    private var sawInbound = false
    private var silentTicks: Int64 = 0
    private var closeCode: WebSocketErrorCode?
    private var draining = false
    private var readingPaused = false
    private let framedWriter = FramedBytesWriter()

    init(
        configuration: ServerConfiguration,
        subprotocol: WebSocketSubprotocol,
        sessionID: UInt64,
        sessionFactory: @escaping WebSocketSessionFactory,
        metrics: TransportMetrics,
        credential: ConnectionCredential = ConnectionCredential(limiter: ConnectionLimiter(limit: 0)),
        security: ServerSecurity = .disabled
    ) {
        self.configuration = Settings(
            pingInterval: configuration.pingInterval, idleTimeout: configuration.idleTimeout,
            closeTimeout: configuration.closeTimeout, maxOutboundBufferSize: configuration.maxOutboundBufferSize)
        self.subprotocol = subprotocol
        self.sessionID = sessionID
        self.sessionFactory = sessionFactory
        self.metrics = metrics
        self.credential = credential
        self.security = security
        self.processor = WebSocketFrameProcessor(maxMessageSize: configuration.maxMessageSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Pre-framed batches enter the pipeline just below NIO's frame encoder (above TLS, should there be any).
        let operations = context.pipeline.syncOperations
        if let encoder = try? operations.handler(type: WebSocketFrameEncoder.self) {
            try? operations.addHandler(self.framedWriter, position: .before(encoder))
        } else {
            try? operations.addHandler(self.framedWriter, position: .first)
        }
        self.metrics.sessionOpened()
        let session = WebSocketSession(
            id: self.sessionID, subprotocol: self.subprotocol, channel: context.channel, connection: self,
            credential: self.credential, security: self.security)
        self.session = session
        self.scheduleExpiry(context: context)
        self.scheduleAuthTimeout(context: context)
        self.armKeepalive(on: context.eventLoop)
        let sessionHandler = self.sessionFactory(session)
        self.sessionHandler = sessionHandler
        sessionHandler.opened(session: session)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimers()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        self.sawInbound = true
        self.metrics.frameReceived(bytes: frame.length)
        guard case .open = self.state else {
            if case .closeSent = self.state, frame.opcode == .connectionClose { context.close(promise: nil) }
            return
        }
        switch self.processor.process(frame) {
        case .none:
            break
        case .deliver(let message, let isText):
            if let session = self.session { self.sessionHandler?.received(message: message, isText: isText, session: session) }
        case .pong(let payload):
            self.writeControl(.pong, payload: payload, context: context)
        case .peerClosed(let code):
            // Echo the peer's code (RFC 6455 5.5.1), then close TCP once the echo is written.
            self.closeCode = code.map { WebSocketErrorCode(codeNumber: Int($0)) }
            var payload = context.channel.allocator.buffer(capacity: 2)
            if let code { payload.writeInteger(code) }
            self.state = .closed
            self.endSession()
            self.writeControl(.connectionClose, payload: payload, context: context, thenClose: true)
        case .fail(let code, let reason):
            self.fail(code: code, reason: reason, context: context, waitForWrite: true)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? NIOWebSocketError else {
            context.close(promise: nil)
            return
        }
        switch error {
        case .invalidFrameLength:
            self.fail(code: .messageTooLarge, reason: "frame too large", context: context, waitForWrite: true)
        default:
            self.fail(code: .protocolError, reason: "invalid control frame", context: context, waitForWrite: true)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let session = self.session, case .open = self.state {
            self.sessionHandler?.writabilityChanged(isWritable: context.channel.isWritable, session: session)
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ServerShutdownEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.drain(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state = .closed
        self.cancelTimers()
        self.metrics.sessionClosed(code: self.closeCode)
        self.endSession()
        context.fireChannelInactive()
    }

    /// Ends the session as soon as the connection leaves `open`, not when TCP is gone: a peer that got our close
    /// frame (or the echo of its own) may act at once on other connections, and by then this session must have
    /// released its subscriptions (a message published next would otherwise count a delivery to it). Idempotent.
    private func endSession() {
        if let session = self.session {
            self.sessionHandler?.closed(session: session, code: self.closeCode)
            session.detach()
        }
        self.sessionHandler = nil
        self.session = nil
    }

    // MARK: Called by WebSocketSession, on the event loop.

    func send(_ messages: [ByteBuffer], opcode: WebSocketOpcode) {
        guard let context = self.mayWrite() else { return }
        var bytes = 0
        for message in messages {
            bytes += message.readableBytes
            context.write(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, data: message)), promise: nil)
        }
        context.flush()
        self.metrics.framesSent(count: messages.count, bytes: bytes)
    }

    /// Writes frames that carry their headers already (one or a few buffers) with one flush.
    func send(framed: FramedBytes) {
        guard self.mayWrite() != nil else { return }
        self.framedWriter.writeAndFlush(framed.pieces)
        self.metrics.framesSent(count: framed.frames, bytes: framed.payloadBytes)
    }

    /// The context when data may be written now; fails the connection when its outbound buffer is over the limit.
    private func mayWrite() -> ChannelHandlerContext? {
        guard case .open = self.state, let context = self.context else { return nil }
        if !context.channel.isWritable,
            let buffered = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes),
            buffered > self.configuration.maxOutboundBufferSize
        {
            self.fail(code: .policyViolation, reason: "outbound buffer limit", context: context, waitForWrite: false)
            return nil
        }
        return context
    }

    func initiateClose(code: WebSocketErrorCode, reason: String) {
        guard case .open = self.state, let context = self.context else { return }
        self.state = .closeSent
        self.closeCode = code
        self.endSession()
        self.writeControl(.connectionClose, payload: Self.closePayload(code: code, reason: reason, allocator: context.channel.allocator), context: context)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.closeTimer = context.eventLoop.scheduleTask(in: self.configuration.closeTimeout) {
            loopBound.value.close(promise: nil)
        }
    }

    func setReadingPaused(_ paused: Bool) {
        guard let context = self.context, paused != self.readingPaused else { return }
        self.readingPaused = paused
        try? context.channel.syncOptions?.setOption(.autoRead, value: !paused)
        if !paused { context.read() }
    }

    // MARK: Private

    private func drain(context: ChannelHandlerContext) {
        guard case .open = self.state, !self.draining, let session = self.session, let handler = self.sessionHandler else {
            return
        }
        self.draining = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handler.draining(session: session).hop(to: context.eventLoop).whenComplete { _ in
            loopBound.value.initiateClose(code: .goingAway, reason: "server shutting down")
        }
    }

    private func armKeepalive(on eventLoop: any EventLoop) {
        guard case .open = self.state else { return }
        self.keepalive = try? eventLoop.assumeIsolated().scheduleCallback(in: self.configuration.pingInterval, handler: self)
    }

    private func keepaliveTick() {
        guard case .open = self.state, let context = self.context else { return }
        if self.sawInbound || self.readingPaused {
            self.sawInbound = false
            self.silentTicks = 0
            return
        }
        self.silentTicks += 1
        if self.configuration.pingInterval.nanoseconds * self.silentTicks >= self.configuration.idleTimeout.nanoseconds {
            self.fail(code: .goingAway, reason: "idle timeout", context: context, waitForWrite: false)
            return
        }
        self.writeControl(.ping, payload: context.channel.allocator.buffer(capacity: 0), context: context)
    }

    /// Sends a close frame and closes TCP: after the frame is written, or at once when the peer may never read it.
    private func fail(code: WebSocketErrorCode, reason: String, context: ChannelHandlerContext, waitForWrite: Bool) {
        guard case .open = self.state else {
            context.close(promise: nil)
            return
        }
        self.state = .closed
        self.closeCode = code
        self.endSession()
        let payload = Self.closePayload(code: code, reason: reason, allocator: context.channel.allocator)
        self.writeControl(.connectionClose, payload: payload, context: context, thenClose: waitForWrite)
        if !waitForWrite { context.close(promise: nil) }
    }

    private func writeControl(
        _ opcode: WebSocketOpcode, payload: ByteBuffer, context: ChannelHandlerContext, thenClose: Bool = false
    ) {
        self.metrics.framesSent(count: 1, bytes: payload.readableBytes)
        let frame = WebSocketFrame(fin: true, opcode: opcode, data: payload)
        guard thenClose else {
            context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(self.wrapOutboundOut(frame)).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
        // A peer that does not read may never let the write complete: close anyway after the close timeout.
        self.closeTimer?.cancel()
        self.closeTimer = context.eventLoop.scheduleTask(in: self.configuration.closeTimeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func cancelTimers() {
        self.keepalive?.cancel()
        self.keepalive = nil
        self.closeTimer?.cancel()
        self.closeTimer = nil
        self.expiryTimer?.cancel()
        self.expiryTimer = nil
        self.authTimer?.cancel()
        self.authTimer = nil
    }

    /// The connection's credential changed (an `auth` frame): its expiry now decides when the connection is told
    /// `token_expired`, and a connection that was waiting to authenticate no longer has a deadline.
    func reauthenticated() {
        self.expiryTimer?.cancel()
        self.expiryTimer = nil
        if self.credential.principal.isAuthenticated {
            self.authTimer?.cancel()
            self.authTimer = nil
        }
        if let context = self.context { self.scheduleExpiry(context: context) }
    }

    /// A connection that upgraded without a token must authenticate with an `auth` frame within
    /// ``SecurityConfiguration/authTimeoutMilliseconds``, or it is closed with 1008.
    private func scheduleAuthTimeout(context: ChannelHandlerContext) {
        guard !self.credential.principal.isAuthenticated else { return }
        let timeout = self.security.configuration.authTimeoutMilliseconds
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.authTimer = context.eventLoop.scheduleTask(in: .milliseconds(timeout)) {
            handler.value.authTimedOut(after: timeout)
        }
    }

    private func authTimedOut(after timeout: Int64) {
        self.authTimer = nil
        guard case .open = self.state, !self.credential.principal.isAuthenticated else { return }
        self.metrics.securityRefusal("auth_timeout")
        self.initiateClose(code: .policyViolation, reason: "authentication timeout: no auth frame within \(timeout) ms")
    }

    func countSecurityRefusal(_ reason: String) {
        self.metrics.securityRefusal(reason)
    }

    /// A session whose token expires is told with a `token_expired` error frame, then closed with 1008.
    private func scheduleExpiry(context: ChannelHandlerContext) {
        guard let expiry = self.credential.principal.expiresAtMilliseconds else { return }
        let remaining = max(0, expiry - self.security.authenticator.nowMilliseconds())
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.expiryTimer = context.eventLoop.scheduleTask(in: .milliseconds(remaining)) {
            handler.value.expired()
        }
    }

    private func expired() {
        guard case .open = self.state, let context = self.context else { return }
        self.metrics.securityRefusal("token_expired")
        let codec: any FrameCodec = self.subprotocol.usesTextFrames ? WireEncoding.json.codec : WireEncoding.binary.codec
        var buffer = context.channel.allocator.buffer(capacity: 96)
        codec.encode(.error(ErrorFrame(code: .tokenExpired, message: "token expired")), into: &buffer)
        self.send([buffer], opcode: self.subprotocol.usesTextFrames ? .text : .binary)
        self.initiateClose(code: .policyViolation, reason: "token expired")
    }

    /// A close payload: the code, then as much of the reason as fits a control frame, cut on a character boundary.
    static func closePayload(code: WebSocketErrorCode, reason: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 2 + min(reason.utf8.count, 123))
        buffer.write(webSocketErrorCode: code)
        var fitted = Substring(reason)
        while fitted.utf8.count > 123 { fitted = fitted.dropLast() }
        buffer.writeString(String(fitted))
        return buffer
    }
}

/// Fired down every connection's pipeline when the server starts shutting down.
struct ServerShutdownEvent: Sendable {}

extension WebSocketConnectionHandler: NIOScheduledCallbackHandler {
    /// A keepalive tick (see ``keepalive``), on the connection's event loop: ping or time out, then arm the next.
    func handleScheduledCallback(eventLoop: some EventLoop) {
        self.keepalive = nil
        self.keepaliveTick()
        self.armKeepalive(on: eventLoop)
    }
}
