import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import Prometheus
import RoostServer
import Testing

/// What the echo session reports to the test.
enum SessionEvent: Sendable, Equatable {
    case opened(String)
    case writability(Bool)
    case floodStopped
    case paused
    case draining
    case closed(UInt16?)
}

/// Echoes every message back in the frame type it came in. Two commands exercise back pressure: `flood` sends
/// 16 KiB messages until the connection is not writable (a well-behaved upper layer), `abuse` keeps sending
/// regardless (the transport's hard cap must stop it).
final class EchoSessionHandler: WebSocketSessionHandler {
    private let events: AsyncStream<SessionEvent>.Continuation

    init(events: AsyncStream<SessionEvent>.Continuation) {
        self.events = events
    }

    func opened(session: WebSocketSession) {
        self.events.yield(.opened(session.subprotocol.name))
    }

    func received(message: ByteBuffer, isText: Bool, session: WebSocketSession) {
        let chunk = ByteBuffer(repeating: 0x61, count: 16 << 10)
        switch String(buffer: message) {
        case "flood":
            var sent = 0
            while session.isWritable && sent < 1 << 30 {
                session.send([chunk, chunk], asText: false)
                sent += 2 * chunk.readableBytes
            }
            self.events.yield(.floodStopped)
        case "pause":
            session.setReadingPaused(true)
            self.events.yield(.paused)
        case "abuse":
            for _ in 0..<4096 { session.send(chunk, asText: false) }
        default:
            session.send(message, asText: isText)
        }
    }

    func writabilityChanged(isWritable: Bool, session: WebSocketSession) {
        self.events.yield(.writability(isWritable))
    }

    func draining(session: WebSocketSession) -> EventLoopFuture<Void> {
        self.events.yield(.draining)
        return session.eventLoop.makeSucceededVoidFuture()
    }

    func closed(session: WebSocketSession, code: WebSocketErrorCode?) {
        self.events.yield(.closed(code.map { UInt16(webSocketErrorCode: $0) }))
    }
}

/// A server on an ephemeral loopback port with echo sessions, and the stream of their events.
struct ServerHarness {
    let server: RoostServer
    let port: Int
    let registry: PrometheusCollectorRegistry
    /// Every session opened so far, in order.
    let sessions: NIOLockedValueBox<[WebSocketSession]>
    private(set) var events: AsyncStream<SessionEvent>.AsyncIterator

    static func start(
        router: HTTPRouter = HTTPRouter(),
        ready: NIOLockedValueBox<Bool> = NIOLockedValueBox(true),
        security: ServerSecurity = .disabled,
        _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> ServerHarness {
        var configuration = ServerConfiguration()
        configuration.port = 0
        // Real-time deadlines are the subject of their own tests; elsewhere a loaded CI machine must not close a
        // connection between two test steps.
        configuration.handshakeTimeout = .seconds(600)
        configure(&configuration)
        let (stream, continuation) = AsyncStream<SessionEvent>.makeStream()
        let registry = PrometheusCollectorRegistry()
        let sessions = NIOLockedValueBox<[WebSocketSession]>([])
        var logger = Logger(label: "roost.server.test")
        logger.logLevel = .warning
        let server = RoostServer(
            configuration: configuration, metricsRegistry: registry, router: router,
            readiness: { ready.withLockedValue { $0 } }, logger: logger, security: security
        ) { session in
            sessions.withLockedValue { $0.append(session) }
            return EchoSessionHandler(events: continuation)
        }
        try await server.start()
        let port = try #require(server.localAddress?.port)
        return ServerHarness(
            server: server, port: port, registry: registry, sessions: sessions, events: stream.makeAsyncIterator())
    }

    /// The next session event, skipping none.
    mutating func nextEvent() async -> SessionEvent? {
        await self.events.next()
    }

    /// Skips events until one matches.
    mutating func waitFor(_ wanted: SessionEvent) async -> Bool {
        while let event = await self.events.next() {
            if event == wanted { return true }
        }
        return false
    }
}
