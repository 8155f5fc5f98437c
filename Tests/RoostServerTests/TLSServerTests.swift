import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import RoostServer
import RoostTesting
import Testing

/// TLS with certificates made at test time by the `openssl` command: a CA, a server certificate it signs for
/// `localhost`, a round trip, a client that refuses an untrusted certificate, and a reload.
@Suite struct TLSServerTests {
    /// A client context that trusts only the CA in `caFile`.
    static func client(trusting caFile: String) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(caFile)
        return try NIOSSLContext(configuration: configuration)
    }

    /// Connects with `tls` and says whether the handshake completed (true) or the client refused it (false).
    static func handshake(port: Int, tls: NIOSSLContext) async throws -> Bool {
        let outcome = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Bool.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        NIOSSLClientHandler(context: tls, serverHostname: "localhost"), HandshakeProbe(outcome: outcome),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let completed = try await outcome.futureResult.get()
        try? await channel.close()
        return completed
    }

    @Test func roundTripOverTLSAndUntrustedCertificateRefused() async throws {
        let certificates = try TestCertificates()
        try await certificates.makeCA("ca")
        try await certificates.makeCA("other-ca")
        try await certificates.makeServer("server", signedBy: "ca")
        let harness = try await ServerHarness.start { configuration in
            configuration.tls = ServerTLSConfiguration(
                certificateChainPath: certificates.path("server.pem"), privateKeyPath: certificates.path("server.key"))
        }
        let server = harness.server
        defer { Task { await server.shutdown() } }

        let client = try await RawClient.connect(port: harness.port, tls: try Self.client(trusting: certificates.path("ca.pem")))
        try await client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try #require(await client.readResponse())
        #expect(response.head.hasPrefix("HTTP/1.1 200"))
        #expect(response.body == "ok\n")
        await client.close()
        let socket = try await RawClient.connect(port: harness.port, tls: try Self.client(trusting: certificates.path("ca.pem")))
        try await socket.send(TestFrames.upgradeRequest())
        #expect(await socket.readHead()?.hasPrefix("HTTP/1.1 101") == true, "wss:// upgrade")
        try await socket.send(TestFrames.text("hello"))
        let echo = await socket.readFrame()
        #expect(echo.map { String(decoding: $0.payload, as: UTF8.self) } == "hello", "a WebSocket message both ways over TLS")
        await socket.close()

        #expect(try await Self.handshake(port: harness.port, tls: try Self.client(trusting: certificates.path("ca.pem"))))
        #expect(try await !Self.handshake(port: harness.port, tls: try Self.client(trusting: certificates.path("other-ca.pem"))))
    }

    @Test func reloadSwapsTheCertificateForNewConnections() async throws {
        let certificates = try TestCertificates()
        try await certificates.makeCA("ca")
        try await certificates.makeCA("next-ca")
        try await certificates.makeServer("server", signedBy: "ca")
        let harness = try await ServerHarness.start { configuration in
            configuration.tls = ServerTLSConfiguration(
                certificateChainPath: certificates.path("server.pem"), privateKeyPath: certificates.path("server.key"))
        }
        let server = harness.server
        defer { Task { await server.shutdown() } }
        let trustsNext = try Self.client(trusting: certificates.path("next-ca.pem"))
        #expect(try await !Self.handshake(port: harness.port, tls: trustsNext))

        // A renewed certificate from another CA replaces the files; a broken file is refused and the old one stays.
        try "garbage".write(toFile: certificates.path("server.pem"), atomically: true, encoding: .utf8)
        #expect(throws: ServerConfigurationError.self) { try harness.server.reloadTLS() }
        #expect(try await Self.handshake(port: harness.port, tls: try Self.client(trusting: certificates.path("ca.pem"))))
        try await certificates.makeServer("server", signedBy: "next-ca")
        try harness.server.reloadTLS()
        #expect(try await Self.handshake(port: harness.port, tls: trustsNext))
    }

    @Test func missingOrMismatchedFilesFailAtStart() async throws {
        let certificates = try TestCertificates()
        try await certificates.makeCA("ca")
        try await certificates.makeServer("server", signedBy: "ca")
        try await certificates.makeServer("other", signedBy: "ca")
        for (cert, key) in [("missing.pem", "server.key"), ("server.pem", "missing.key"), ("server.pem", "other.key")] {
            await #expect(throws: ServerConfigurationError.self, "\(cert) + \(key)") {
                _ = try await ServerHarness.start { configuration in
                    configuration.tls = ServerTLSConfiguration(
                        certificateChainPath: certificates.path(cert), privateKeyPath: certificates.path(key))
                }
            }
        }
    }
}

/// Completes `outcome` with true when the TLS handshake completes, false when it fails.
private final class HandshakeProbe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let outcome: EventLoopPromise<Bool>
    private var done = false

    init(outcome: EventLoopPromise<Bool>) { self.outcome = outcome }

    private func finish(_ completed: Bool) {
        guard !self.done else { return }
        self.done = true
        self.outcome.succeed(completed)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { self.finish(true) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.finish(false)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(false)
        context.fireChannelInactive()
    }
}
