import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOWebSocket
import RoostServer
import Testing

/// A measurement, not a check: the transport alone (no broker, no codec), 128-byte messages over loopback.
/// Run in release: `ROOST_MEASURE=1 swift test -c release -Xswiftc -enable-testing --filter TransportThroughputTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ROOST_MEASURE"] != nil), .serialized)
struct TransportThroughputTests {
    static let messages = 1_000_000
    static let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: 128)

    /// Counts inbound messages; on "go" pushes `messages` copies of one buffer in batches of 64, following
    /// writability like the broker will.
    final class Sink: WebSocketSessionHandler {
        let done: EventLoopPromise<Void>
        var received = 0
        var toSend = 0
        init(done: EventLoopPromise<Void>) { self.done = done }

        func received(message: ByteBuffer, isText: Bool, session: WebSocketSession) {
            if message.readableBytes == 2 {  // "go"
                self.toSend = TransportThroughputTests.messages
                self.pump(session)
                return
            }
            self.received += 1
            if self.received == TransportThroughputTests.messages { self.done.succeed() }
        }

        func writabilityChanged(isWritable: Bool, session: WebSocketSession) {
            if isWritable { self.pump(session) }
        }

        private func pump(_ session: WebSocketSession) {
            let batch = [ByteBuffer](repeating: TransportThroughputTests.payload, count: 64)
            while self.toSend > 0 && session.isWritable {
                let count = min(64, self.toSend)
                session.send(count == 64 ? batch : Array(batch.prefix(count)))
                self.toSend -= count
            }
        }
    }

    final class ByteCounter: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let expected: Int
        let done: EventLoopPromise<Void>
        var seen = 0
        init(expected: Int, done: EventLoopPromise<Void>) {
            self.expected = expected
            self.done = done
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.seen += self.unwrapInboundIn(data).readableBytes
            if self.seen >= self.expected { self.done.succeed() }
        }
    }

    @Test func messagesPerSecond() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let serverDone = group.any().makePromise(of: Void.self)
        var configuration = ServerConfiguration()
        configuration.port = 0
        let server = RoostServer(configuration: configuration) { _ in Sink(done: serverDone) }
        try await server.start()
        let port = try #require(server.localAddress?.port)

        let client = try await RawClient.webSocket(port: port).0
        let frame = TestFrames.frame(opcode: 0x1, Array(String(repeating: "x", count: 128).utf8))
        var chunk = ByteBuffer()
        for _ in 0..<1000 { chunk.writeBytes(frame) }
        let start = ContinuousClock.now
        for _ in 0..<(Self.messages / 1000) { client.channel.write(chunk, promise: nil) }
        client.channel.flush()
        try await serverDone.futureResult.get()
        let inbound = ContinuousClock.now - start

        let clientDone = client.channel.eventLoop.makePromise(of: Void.self)
        let channel = client.channel
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                ByteCounter(expected: Self.messages * (128 + 2), done: clientDone), position: .first)
        }.get()
        let outboundStart = ContinuousClock.now
        try await client.send(TestFrames.text("go"))
        try await clientDone.futureResult.get()
        let outbound = ContinuousClock.now - outboundStart

        func rate(_ duration: Duration) -> Int {
            Int(Double(Self.messages) / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18))
        }
        print("transport inbound: \(rate(inbound)) msgs/s, outbound: \(rate(outbound)) msgs/s (128-byte messages)")
        await client.close()
        await server.shutdown()
    }
}
