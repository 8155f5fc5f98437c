import NIOCore
import RoostClient
import RoostServer
import RoostTesting
import Testing

/// `wss://`: the client verifies the broker's certificate against a CA file (made at test time) and refuses one
/// it cannot verify.
@Suite struct ClientTLSTests {
    private func client(_ url: String, caFile: String) -> RoostClient {
        var configuration = RoostClientConfiguration()
        configuration.reconnect = false
        configuration.caFile = caFile
        return RoostClient(url: url, configuration: configuration)
    }

    @Test func publishesOverTLSAndRefusesAnUntrustedCertificate() async throws {
        let certificates = try TestCertificates()
        try await certificates.makeCA("ca")
        try await certificates.makeCA("other-ca")
        try await certificates.makeServer("server", signedBy: "ca")
        let broker = FakeBroker()
        let server = broker.makeServer(tls: ServerTLSConfiguration(
            certificateChainPath: certificates.path("server.pem"), privateKeyPath: certificates.path("server.key")))
        try await server.start()
        let port = try #require(server.localAddress?.port)

        for host in ["localhost", "127.0.0.1"] {
            let client = self.client("wss://\(host):\(port)/v1/ws", caFile: certificates.path("ca.pem"))
            try await client.connect()
            let confirm = try await client.publish(topic: "orders", data: ByteBuffer(string: "over tls"))
            #expect(confirm.count == 1)
            await client.close()
        }
        #expect(broker.messages("orders").count == 2)

        let untrusting = self.client("wss://localhost:\(port)/v1/ws", caFile: certificates.path("other-ca.pem"))
        await #expect(throws: RoostClientError.self) { try await untrusting.connect() }
        let plain = self.client("ws://localhost:\(port)/v1/ws", caFile: certificates.path("ca.pem"))
        await #expect(throws: RoostClientError.self, "plain ws:// to a TLS port fails") { try await plain.connect() }
        let missing = self.client("wss://localhost:\(port)/v1/ws", caFile: certificates.path("missing.pem"))
        await #expect(throws: RoostClientError.self) { try await missing.connect() }
        await server.shutdown()
    }
}
