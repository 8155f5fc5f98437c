import Logging
import NIOCore
import NIOEmbedded
@testable import RoostServer

/// Echoes text and binary messages, so that input past an upgrade reaches the session layer too.
final class EchoSession: WebSocketSessionHandler {
    func received(message: ByteBuffer, isText: Bool, session: WebSocketSession) {
        session.send(message, asText: isText)
    }
}

/// One server (never started: no socket), whose connection pipeline each input runs through.
struct HandshakeDriver: Sendable {
    static let shared = HandshakeDriver()

    let server: RoostServer

    init() {
        var configuration = ServerConfiguration()
        configuration.maxFrameSize = 1 << 16
        configuration.maxMessageSize = 1 << 16
        configuration.maxHTTPBodySize = 1 << 14
        var logger = Logger(label: "roost.fuzz")
        logger.logLevel = .critical
        server = RoostServer(configuration: configuration, logger: logger) { _ in EchoSession() }
    }

    /// Feeds `bytes` after its first two to a fresh connection in up to three pieces (cut where those two say), drains
    /// what the server writes, then closes the connection.
    func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        guard (try? server.initialize(channel)) != nil,
            (try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).wait()) != nil
        else { return }
        // The first two bytes say where the rest is cut into reads; they are not sent.
        let payload = UnsafeBufferPointer(rebasing: bytes[min(2, bytes.count)...])
        let first = bytes.count > 0 ? Int(bytes[0]) % (payload.count + 1) : 0
        let second = bytes.count > 1 ? max(first, Int(bytes[1]) * payload.count / 256) : first
        for range in [0..<first, first..<second, second..<payload.count] where !range.isEmpty {
            guard channel.isActive else { break }
            let buffer = ByteBuffer(bytes: UnsafeBufferPointer(rebasing: payload[range]))
            do {
                try channel.writeInbound(buffer)
            } catch {
                break
            }
            while (try? channel.readOutbound(as: IOData.self)) != nil {}
        }
        channel.embeddedEventLoop.run()
        while (try? channel.readOutbound(as: IOData.self)) != nil {}
    }
}
