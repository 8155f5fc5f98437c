import Foundation
import Logging
import NIOCore
import RoostClient
import RoostProtocol
import RoostSecurity
import RoostServer
import RoostTesting
import Testing

/// The client's token against a broker with authentication on: sent at the handshake (or, without one, by a first
/// `authenticate(token:)`), renewed by `authenticate(token:)`, and the broker's `forbidden` / `unauthorized` surfacing as errors with their codes.
@Suite struct ClientAuthenticationTests {
    @Test func tokenAtTheHandshakeThenRenewedWithAnAuthFrame() async throws {
        let directory = try TemporaryDirectory(prefix: "roost-client-auth")
        defer { directory.remove() }
        var configuration = BrokerServerConfiguration(dataDirectory: directory.path)
        configuration.server.port = 0
        configuration.server.shutdownTimeout = .seconds(2)
        // As in LiveBroker: a starved test process may send its upgrade request after the default 10 s.
        configuration.server.handshakeTimeout = .seconds(600)
        var security = SecurityConfiguration()
        security.authentication = .on
        security.authTimeoutMilliseconds = 600_000
        func permissions(_ json: String) throws -> Permissions {
            try JSONDecoder().decode(Permissions.self, from: Data(json.utf8))
        }
        security.tokens = [
            StaticToken(name: "payments", secret: "payments-token", permissions: try permissions(#"{"publish":["payments.>"]}"#)),
            StaticToken(name: "orders", secret: "orders-token", permissions: try permissions(#"{"publish":["orders.>"]}"#)),
        ]
        var logger = Logger(label: "roost.test")
        logger.logLevel = .warning
        let server = try RoostBrokerServer(
            configuration: configuration, logger: logger, security: try await ServerSecurity.make(security, host: "127.0.0.1"))
        try await server.start()
        let port = try #require(server.port)

        var clientConfiguration = RoostClientConfiguration()
        clientConfiguration.reconnect = false
        let anonymous = RoostClient(url: "ws://127.0.0.1:\(port)/v1/ws", configuration: clientConfiguration)
        // No token: the connection opens unauthenticated and may do nothing but authenticate.
        try await anonymous.connect()
        do {
            _ = try await anonymous.publish(topic: "payments.settled", data: ByteBuffer(string: "0"))
            Issue.record("an unauthenticated publish was accepted")
        } catch let error as RoostClientError {
            #expect(error.serverCode == .unauthorized)
        }
        try await anonymous.authenticate(token: "payments-token")
        #expect(try await anonymous.publish(topic: "payments.settled", data: ByteBuffer(string: "0")).offset == 0)
        await anonymous.close()

        clientConfiguration.token = "payments-token"
        let client = RoostClient(url: "ws://127.0.0.1:\(port)/v1/ws", configuration: clientConfiguration)
        try await client.connect()
        #expect(try await client.publish(topic: "payments.settled", data: ByteBuffer(string: "1")).offset == 1)
        do {
            _ = try await client.publish(topic: "orders.created", data: ByteBuffer(string: "1"))
            Issue.record("publish outside the grant was accepted")
        } catch let error as RoostClientError {
            #expect(error.serverCode == .forbidden)
        }
        do {
            try await client.authenticate(token: "nope")
            Issue.record("a wrong token was accepted")
        } catch let error as RoostClientError {
            #expect(error.serverCode == .unauthorized)
        }
        try await client.authenticate(token: "orders-token")
        #expect(try await client.publish(topic: "orders.created", data: ByteBuffer(string: "1")).offset == 0)
        await client.close()
        try await server.shutdown()
    }
}
