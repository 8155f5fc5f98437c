import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Prometheus
import RoostSecurity
import Testing

@testable import RoostServer

/// The connection handler's timers on an embedded event loop, whose clock the test advances: no sockets, no waits.
@Suite struct WebSocketConnectionHandlerTests {
    final class Silent: WebSocketSessionHandler {
        let closedCode: NIOLockedValueBox<UInt16?>
        init(closedCode: NIOLockedValueBox<UInt16?>) { self.closedCode = closedCode }
        func received(message: ByteBuffer, isText: Bool, session: WebSocketSession) {}
        func closed(session: WebSocketSession, code: WebSocketErrorCode?) {
            self.closedCode.withLockedValue { $0 = code.map { UInt16(webSocketErrorCode: $0) } }
        }
    }

    /// Holds every write forever: a peer whose receive window stays closed.
    private final class StalledWrites: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var held: [EventLoopPromise<Void>?] = []
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            self.held.append(promise)
        }
        func flush(context: ChannelHandlerContext) {}
    }

    struct Fixture {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        let session: WebSocketSession
        let closedCode = NIOLockedValueBox<UInt16?>(nil)

        init(
            _ configuration: ServerConfiguration, stalledPeer: Bool = false,
            credential: ConnectionCredential = ConnectionCredential(limiter: ConnectionLimiter(limit: 0)),
            security: ServerSecurity = .disabled
        ) throws {
            self.channel = EmbeddedChannel(loop: self.loop)
            if stalledPeer { try self.channel.pipeline.syncOperations.addHandler(StalledWrites()) }
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
            let captured = NIOLockedValueBox<WebSocketSession?>(nil)
            let closedCode = self.closedCode
            let handler = WebSocketConnectionHandler(
                configuration: configuration, subprotocol: .json, sessionID: 1,
                sessionFactory: { session in
                    captured.withLockedValue { $0 = session }
                    return Silent(closedCode: closedCode)
                },
                metrics: TransportMetrics(factory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())),
                credential: credential, security: security)
            try self.channel.pipeline.syncOperations.addHandler(handler)
            self.session = try #require(captured.withLockedValue { $0 })
        }

        func nextFrame() throws -> WebSocketFrame? {
            try self.channel.readOutbound(as: WebSocketFrame.self)
        }
    }

    @Test func aCloseTheServerStartsEndsTCPAfterTheCloseTimeoutWhenThePeerNeverAnswers() throws {
        var configuration = ServerConfiguration()
        configuration.closeTimeout = .seconds(5)
        let fixture = try Fixture(configuration)
        fixture.session.close(code: .policyViolation, reason: "go away")
        let close = try #require(try fixture.nextFrame())
        #expect(close.opcode == .connectionClose)
        #expect(close.data.getWebSocketErrorCode(at: close.data.readerIndex) == .policyViolation)
        #expect(String(buffer: close.data.getSlice(at: close.data.readerIndex + 2, length: close.data.readableBytes - 2)!) == "go away")
        // Sends after the close frame are dropped.
        fixture.session.send(ByteBuffer(string: "late"))
        #expect(try fixture.nextFrame() == nil)
        fixture.loop.advanceTime(by: .seconds(4))
        #expect(fixture.channel.isActive)
        fixture.loop.advanceTime(by: .seconds(1))
        #expect(!fixture.channel.isActive)
        #expect(fixture.closedCode.withLockedValue { $0 } == 1008)
    }

    @Test func pingsWhenIdleAndClosesWith1001WhenNothingComesBack() throws {
        var configuration = ServerConfiguration()
        configuration.pingInterval = .seconds(10)
        configuration.idleTimeout = .seconds(30)
        let fixture = try Fixture(configuration)
        fixture.loop.advanceTime(by: .seconds(10))
        #expect(try fixture.nextFrame()?.opcode == .ping)
        // Any inbound frame counts as life and resets the idle clock.
        var pong = ByteBuffer()
        pong.webSocketMask([1, 2, 3, 4])
        try fixture.channel.writeInbound(WebSocketFrame(fin: true, opcode: .pong, maskKey: [1, 2, 3, 4], data: pong))
        fixture.loop.advanceTime(by: .seconds(10))
        #expect(try fixture.nextFrame() == nil)
        fixture.loop.advanceTime(by: .seconds(20))
        #expect(try fixture.nextFrame()?.opcode == .ping)
        #expect(try fixture.nextFrame()?.opcode == .ping)
        #expect(fixture.channel.isActive)
        fixture.loop.advanceTime(by: .seconds(10))
        let close = try #require(try fixture.nextFrame())
        #expect(close.opcode == .connectionClose)
        #expect(!fixture.channel.isActive)
        #expect(fixture.closedCode.withLockedValue { $0 } == 1001)
    }

    @Test func aViolationFromAPeerThatDoesNotReadStillEndsTCPAfterTheCloseTimeout() throws {
        var configuration = ServerConfiguration()
        configuration.closeTimeout = .seconds(5)
        let fixture = try Fixture(configuration, stalledPeer: true)
        // An unmasked frame: the close frame (1002) is written but the write never completes.
        try fixture.channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "x")))
        #expect(fixture.channel.isActive)
        fixture.loop.advanceTime(by: .seconds(5))
        #expect(!fixture.channel.isActive)
        #expect(fixture.closedCode.withLockedValue { $0 } == 1002)
    }

    /// The session ends when the peer's close frame is read, before the echo is even written: a client that saw
    /// the echo may publish on another connection at once, and a subscription of this session must not take
    /// that message (a delivery it would count but never send). CI caught the race in session 3.
    @Test func thePeersCloseFrameEndsTheSessionBeforeTheEchoLeaves() throws {
        let fixture = try Fixture(ServerConfiguration(), stalledPeer: true)
        var payload = ByteBuffer()
        payload.write(webSocketErrorCode: .normalClosure)
        payload.webSocketMask([9, 8, 7, 6])
        try fixture.channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: [9, 8, 7, 6], data: payload))
        // The echo is stuck in a peer that does not read: TCP is still up, yet the session is over.
        #expect(fixture.channel.isActive)
        #expect(fixture.closedCode.withLockedValue { $0 } == 1000)
    }

    @Test func aCloseTheServerStartsEndsTheSessionAtOnce() throws {
        let fixture = try Fixture(ServerConfiguration())
        fixture.session.close(code: .policyViolation, reason: "go away")
        #expect(fixture.channel.isActive)
        #expect(fixture.closedCode.withLockedValue { $0 } == 1008)
    }

    /// Random bytes, and random mutations of valid frames, through NIO's decoder and the handler: whatever comes
    /// in, the connection either carries on or ends with a close frame; nothing traps.
    @Test func fuzzedInputNeverCrashesAndEndsWithACloseFrameIfAtAll() throws {
        var generator = SystemRandomNumberGenerator()
        let valid = TestFrames.text("hello", fin: false) + TestFrames.frame(opcode: 0x9, [1, 2])
            + TestFrames.frame(opcode: 0x0, Array("lo".utf8)) + TestFrames.close(code: 1000)
        for round in 0..<500 {
            var configuration = ServerConfiguration()
            configuration.maxMessageSize = 256
            let loop = EmbeddedEventLoop()
            let channel = EmbeddedChannel(loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 256)),
                WebSocketConnectionHandler(
                    configuration: configuration, subprotocol: .binary, sessionID: 1,
                    sessionFactory: { _ in Silent(closedCode: NIOLockedValueBox(nil)) },
                    metrics: TransportMetrics(factory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))),
            ])
            var bytes = valid
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 1...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            var offset = 0
            while offset < bytes.count, channel.isActive {
                let size = min(Int.random(in: 1...16, using: &generator), bytes.count - offset)
                _ = try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<offset + size]))
                offset += size
            }
            var lastOpcode: WebSocketOpcode?
            while let frame = try channel.readOutbound(as: WebSocketFrame.self) { lastOpcode = frame.opcode }
            if !channel.isActive { #expect(lastOpcode == .connectionClose, "bytes \(bytes)") }
            _ = try? channel.finish()
        }
    }
}
