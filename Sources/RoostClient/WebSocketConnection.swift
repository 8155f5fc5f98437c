import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import RoostProtocol

/// One open WebSocket connection to a broker: the channel plus its frame handler. Sends hop to the
/// connection's event loop once per batch, never per message.
///
/// `package` so that `roost bench` drives the broker through the same transport with pre-encoded frames.
package final class WebSocketConnection: Sendable {
    let channel: any Channel
    /// The negotiated encoding.
    package let encoding: WireEncoding
    private let handler: NIOLoopBound<ClientFrameHandler>
    private let raw: NIOLoopBound<RawFrameWriter>

    private init(
        channel: any Channel, encoding: WireEncoding, handler: NIOLoopBound<ClientFrameHandler>,
        raw: NIOLoopBound<RawFrameWriter>
    ) {
        self.channel = channel
        self.encoding = encoding
        self.handler = handler
        self.raw = raw
    }

    /// The event loop that owns the connection.
    package var eventLoop: any EventLoop { channel.eventLoop }

    /// Writes complete, already masked WebSocket frames (header included) straight to the socket, then
    /// flushes once; call on ``eventLoop``. For load generation: the frames are encoded once and reused.
    package func writeRawOnLoop(_ frames: some Sequence<ByteBuffer>) {
        raw.value.write(frames)
    }

    /// Whether the socket accepts more writes without growing NIO's outbound buffer.
    package var isWritable: Bool { channel.isWritable }

    /// Opens a connection with `url` (`ws://host:port/path`); see the internal `connect`.
    package static func connect(
        url: String, configuration: RoostClientConfiguration,
        onMessage: @escaping @Sendable (ByteBuffer) -> Void,
        onClosed: @escaping @Sendable (WebSocketErrorCode?) -> Void,
        onReadComplete: (@Sendable () -> Void)? = nil
    ) async throws -> WebSocketConnection {
        try await connect(
            url: WebSocketURL(url), configuration: configuration, onMessage: onMessage, onClosed: onClosed,
            onReadComplete: onReadComplete)
    }

    /// Starts the close handshake (1000) and waits until TCP is closed.
    package func close() async {
        let handler = self.handler
        eventLoop.execute { handler.value.initiateClose(code: .normalClosure, timeout: .seconds(2)) }
        try? await channel.closeFuture.get()
    }

    /// The TLS context for a `wss://` URL (nil for `ws://`): certificate and host name verified against
    /// ``RoostClientConfiguration/caFile`` or the system's trust store.
    static func tlsContext(for url: WebSocketURL, configuration: RoostClientConfiguration) throws(RoostClientError) -> NIOSSLContext? {
        guard url.isTLS else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile = configuration.caFile { tls.trustRoots = .file(caFile) }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .connectFailed("TLS setup failed (CA file \(configuration.caFile ?? "system")): \(error)")
        }
    }

    /// Opens TCP, performs the HTTP upgrade offering `configuration.encoding`'s subprotocol, and checks
    /// that the broker accepted that subprotocol. `onMessage` gets every complete message and `onClosed`
    /// the end of the connection, both on its event loop.
    static func connect(
        url: WebSocketURL, configuration: RoostClientConfiguration,
        onMessage: @escaping @Sendable (ByteBuffer) -> Void,
        onClosed: @escaping @Sendable (WebSocketErrorCode?) -> Void,
        onReadComplete: (@Sendable () -> Void)? = nil
    ) async throws(RoostClientError) -> WebSocketConnection {
        let encoding = configuration.encoding
        let eventLoop = configuration.eventLoopGroup.next()
        // Before the promise below: a throw here must not leak it.
        let tls = try Self.tlsContext(for: url, configuration: configuration)
        let upgraded = eventLoop.makePromise(of: (NIOLoopBound<ClientFrameHandler>, NIOLoopBound<RawFrameWriter>).self)
        var headers = HTTPHeaders()
        headers.add(name: "Sec-WebSocket-Protocol", value: encoding.subprotocol)
        if let token = configuration.token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let maxFrameSize = configuration.maxFrameSize
        let requestHeaders = headers
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI and the name check use the URL's host; an IP address is checked against the
                        // certificate's IP addresses instead (no SNI for addresses).
                        let isAddress = (try? SocketAddress(ipAddress: url.host, port: 0)) != nil
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: isAddress ? nil : url.host))
                    }
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: maxFrameSize, automaticErrorHandling: false,
                        upgradePipelineHandler: { channel, response in
                            let chosen = response.headers.first(name: "Sec-WebSocket-Protocol")
                            guard chosen == encoding.subprotocol else {
                                upgraded.fail(RoostClientError.handshakeFailed(
                                    "the server chose subprotocol '\(chosen ?? "")' instead of '\(encoding.subprotocol)'"))
                                return channel.close()
                            }
                            return channel.eventLoop.makeCompletedFuture {
                                let handler = ClientFrameHandler(
                                    maxMessageSize: maxFrameSize, onMessage: onMessage, onClosed: onClosed,
                                    onReadComplete: onReadComplete)
                                let raw = RawFrameWriter()
                                // Pre-framed bytes go to the socket side of the pipeline, but inside TLS when there is TLS.
                                if let tlsHandler = try? channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self) {
                                    try channel.pipeline.syncOperations.addHandler(raw, position: .after(tlsHandler))
                                } else {
                                    try channel.pipeline.syncOperations.addHandler(raw, position: .first)
                                }
                                try channel.pipeline.syncOperations.addHandler(handler)
                                upgraded.succeed((NIOLoopBound(handler, eventLoop: channel.eventLoop),
                                                  NIOLoopBound(raw, eventLoop: channel.eventLoop)))
                            }
                        })
                    let request = HandshakeRequestHandler(url: url, headers: requestHeaders) { upgraded.fail($0) }
                    let requestBox = NIOLoopBound(request, eventLoop: channel.eventLoop)
                    let upgrade: NIOHTTPClientUpgradeSendableConfiguration = (
                        upgraders: [upgrader],
                        completionHandler: { context in
                            context.pipeline.syncOperations.removeHandler(requestBox.value, promise: nil)
                        }
                    )
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(withClientUpgrade: upgrade)
                    try channel.pipeline.syncOperations.addHandler(request)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: url.host, port: url.port).get()
        } catch {
            upgraded.fail(RoostClientError.connectFailed("\(error)"))
            let text = "\(error)"
            let reason = text.contains("Connection refused") ? "connection refused" : text
            throw .connectFailed("cannot connect to \(url.host):\(url.port): \(reason)")
        }
        let timeout = eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
            upgraded.fail(RoostClientError.handshakeFailed("no upgrade within the handshake timeout"))
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        do {
            let (handler, raw) = try await upgraded.futureResult.get()
            return WebSocketConnection(channel: channel, encoding: encoding, handler: handler, raw: raw)
        } catch let error as RoostClientError {
            channel.close(promise: nil)
            throw error
        } catch {
            channel.close(promise: nil)
            throw .handshakeFailed("\(error)")
        }
    }
}

/// Sits first in the pipeline (next to the socket) so that pre-framed bytes skip the frame encoder.
final class RawFrameWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func write(_ frames: some Sequence<ByteBuffer>) {
        guard let context else { return }
        for frame in frames { context.write(wrapOutboundOut(frame), promise: nil) }
        context.flush()
    }
}
