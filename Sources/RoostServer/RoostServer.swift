import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Prometheus
import RoostSecurity

/// The WebSocket and HTTP frontend: WebSocket sessions at `/v1/ws`, `GET /healthz`, `GET /readyz`, `GET /metrics`,
/// and whatever routes the embedding code adds. An embeddable value: tests start it in-process on an ephemeral port.
///
/// Lifecycle: ``start()`` binds, ``shutdown()`` stops accepting, drains every session and closes every connection
/// (bounded by ``ServerConfiguration/shutdownTimeout``). All per-connection work runs on the connection's event
/// loop; the only shared state (the set of open connections) sits behind a lock held for a few instructions.
public final class RoostServer: Sendable {
    /// The configuration the server was created with.
    public let configuration: ServerConfiguration

    private let group: any EventLoopGroup
    private let sessionFactory: WebSocketSessionFactory
    private let router: HTTPRouter
    private let metrics: TransportMetrics
    private let security: ServerSecurity
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var serverChannel: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var nextSessionID: UInt64 = 0
        var shuttingDown = false
        /// The TLS context for new connections; swapped by ``reloadTLS()``.
        var tlsContext: NIOSSLContext?
    }

    /// Creates a server; nothing is bound until ``start()``.
    ///
    /// - Parameters:
    ///   - configuration: limits and timeouts.
    ///   - eventLoopGroup: where connections run; the caller owns it and shuts it down after ``shutdown()``.
    ///   - metricsRegistry: where the transport's metrics go and what `GET /metrics` exports. Pass the registry
    ///     that also backs the process's `MetricsSystem` so the broker's metrics appear on the same page.
    ///   - router: extra HTTP routes (the admin API); the built-in routes are matched first.
    ///   - readiness: whether `GET /readyz` answers 200 (ready) or 503; called on an event loop, must be cheap.
    ///   - logger: for connection-level events.
    ///   - security: authentication, origin policy and per-principal limits applied to every request before it is
    ///     routed or upgraded; the accepted principal is ``WebSocketSession/principal``. Default: none.
    ///   - sessionFactory: makes the upper layer of each upgraded WebSocket connection.
    public init(
        configuration: ServerConfiguration = ServerConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        router: HTTPRouter = HTTPRouter(),
        readiness: @escaping @Sendable () -> Bool = { true },
        logger: Logger = Logger(label: "roost.server"),
        security: ServerSecurity = .disabled,
        sessionFactory: @escaping WebSocketSessionFactory
    ) {
        self.configuration = configuration
        self.security = security
        self.group = eventLoopGroup
        self.sessionFactory = sessionFactory
        self.logger = logger
        let factory = PrometheusMetricsFactory(registry: metricsRegistry)
        self.metrics = TransportMetrics(factory: factory)
        LimitGauges.export(LimitGauges.transport(configuration, security.configuration), factory: factory)
        self.router = Self.builtInRoutes(registry: metricsRegistry, readiness: readiness, extending: router)
    }

    /// The bound address once started (with the real port when ``ServerConfiguration/port`` was 0).
    public var localAddress: SocketAddress? {
        self.state.withLockedValue { $0.serverChannel?.localAddress }
    }

    /// Number of open TCP connections (HTTP and WebSocket), refused ones excluded.
    public var connectionCount: Int {
        self.state.withLockedValue { $0.connections.count }
    }

    /// Binds the listening socket; call it once. Throws ``ServerConfigurationError`` for an unworkable configuration, and the
    /// socket error when the address cannot be bound.
    public func start() async throws {
        let configuration = self.configuration
        try configuration.validate()
        if let tls = configuration.tls {
            let context = try tls.makeContext()
            self.state.withLockedValue { $0.tlsContext = context }
        }
        let channel = try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(
                    minimum: 64, initial: max(64, min(configuration.initialReceiveBufferSize, 65_536)), maximum: 65_536)
            )
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: configuration.outboundLowWaterMark, high: configuration.outboundHighWaterMark)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try self.initialize(channel) }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        self.state.withLockedValue { $0.serverChannel = channel }
        self.logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
    }

    /// Reads the TLS certificate and key files again and uses them for every connection accepted from now on;
    /// open connections keep theirs. On failure (a missing or mismatched file) the current certificate stays in use
    /// and the error is thrown. Does nothing without TLS. What `roost serve` does on SIGHUP.
    public func reloadTLS() throws {
        guard let tls = self.configuration.tls else { return }
        let context = try tls.makeContext()
        self.state.withLockedValue { $0.tlsContext = context }
        self.logger.info("TLS certificate reloaded", metadata: ["certificate": "\(tls.certificateChainPath)"])
    }

    /// Stops accepting, tells every session to finish (``WebSocketSessionHandler/draining(session:)``), sends
    /// close 1001 to every WebSocket, closes idle HTTP connections, and waits for all connections to close. After
    /// ``ServerConfiguration/shutdownTimeout`` the remaining ones are closed without ceremony. Idempotent.
    public func shutdown() async {
        let (serverChannel, connections) = self.state.withLockedValue { state in
            state.shuttingDown = true
            return (state.serverChannel, Array(state.connections.values))
        }
        try? await serverChannel?.close()
        for channel in connections {
            channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(ServerShutdownEvent()) }
        }
        let deadline = self.group.any().scheduleTask(in: self.configuration.shutdownTimeout) {
            for channel in connections { channel.close(promise: nil) }
        }
        for channel in connections {
            try? await channel.closeFuture.get()
        }
        deadline.cancel()
        self.logger.info("stopped")
    }

    // MARK: Connection setup

    /// Builds a new connection's pipeline (TLS, HTTP, handshake checks, upgrade). Not private: it is the seam
    /// through which the handshake fuzz harness (Tests/Fuzz/Sources/FuzzHandshake) and its seeded test drive
    /// the whole HTTP/WebSocket path over an `EmbeddedChannel`.
    func initialize(_ channel: any Channel) throws {
        let (admitted, sessionID, tlsContext) = self.state.withLockedValue { state -> (Bool?, UInt64, NIOSSLContext?) in
            if state.shuttingDown { return (nil, 0, state.tlsContext) }
            guard state.connections.count < self.configuration.maxConnections else {
                return (false, 0, state.tlsContext)
            }
            state.connections[ObjectIdentifier(channel)] = channel
            state.nextSessionID += 1
            return (true, state.nextSessionID, state.tlsContext)
        }
        let pipeline = channel.pipeline.syncOperations
        if let tlsContext {
            try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext))
        }
        let encoder = HTTPResponseEncoder()
        let decoder = ByteToMessageHandler(
            HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        let timeout = RequestTimeoutHandler(timeout: self.configuration.handshakeTimeout)
        guard admitted == true else {
            self.metrics.connectionRefused(atLimit: admitted == false)
            try pipeline.addHandlers([encoder, decoder, HTTPServerProtocolErrorHandler(), timeout, ConnectionRefusalHandler()])
            return
        }
        self.metrics.connectionOpened()
        let credential = ConnectionCredential(limiter: self.security.connectionLimiter)
        // One close callback for both (each callback is a closure context and a callback-list entry per connection).
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLockedValue { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
            self.metrics.connectionClosed()
            credential.release()
        }
        let httpHandlers: [any RemovableChannelHandler] = [
            decoder, HTTPServerPipelineHandler(), HTTPServerProtocolErrorHandler(), timeout,
            HandshakeValidationHandler(),
            HTTPSecurityHandler(security: self.security, credential: credential, metrics: self.metrics),
        ]
        let requests = HTTPRequestHandler(router: self.router, maxBodySize: self.configuration.maxHTTPBodySize)
        let upgrade = HTTPServerUpgradeHandler(
            upgraders: [self.makeUpgrader(sessionID: sessionID, credential: credential)],
            httpEncoder: encoder,
            extraHTTPHandlers: httpHandlers + [requests],
            upgradeCompletionHandler: { _ in }
        )
        try pipeline.addHandlers([encoder] + httpHandlers + [upgrade, requests])
    }

    private func makeUpgrader(sessionID: UInt64, credential: ConnectionCredential) -> NIOWebSocketServerUpgrader {
        let configuration = self.configuration
        let security = self.security
        let sessionFactory = self.sessionFactory
        let metrics = self.metrics
        return NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.maxFrameSize,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                // HandshakeValidationHandler already answered every invalid handshake; this only adds the header.
                guard case .accept(let subprotocol, let announce) = WebSocketHandshake.evaluate(head) else {
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                let headers: HTTPHeaders = announce ? ["Sec-WebSocket-Protocol": subprotocol.name] : [:]
                return channel.eventLoop.makeSucceededFuture(headers)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    guard case .accept(let subprotocol, _) = WebSocketHandshake.evaluate(head) else { return }
                    let handler = WebSocketConnectionHandler(
                        configuration: configuration, subprotocol: subprotocol, sessionID: sessionID,
                        sessionFactory: sessionFactory, metrics: metrics, credential: credential, security: security)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        )
    }

    private static func builtInRoutes(
        registry: PrometheusCollectorRegistry, readiness: @escaping @Sendable () -> Bool, extending extra: HTTPRouter
    ) -> HTTPRouter {
        var router = HTTPRouter()
        router.add(.GET, "/healthz") { _ in .text("ok\n") }
        router.add(.GET, "/readyz") { _ in
            readiness() ? .text("ready\n") : .text("not ready\n", status: .serviceUnavailable)
        }
        router.add(.GET, "/metrics") { _ in
            HTTPRouteResponse(
                status: .ok,
                headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                body: ByteBuffer(bytes: registry.emitToBuffer()))
        }
        router.append(extra)
        return router
    }
}
