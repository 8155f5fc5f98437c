import Foundation
import Logging
import NIOCore
import RoostSecurity
import RoostServer
import RoostTesting
import Testing

/// The `roost` CLI against a broker with TLS (a CA made at test time) and authentication on: `--server https://`,
/// `--ca-file`, `--token`.
@Suite(.timeLimit(.minutes(2))) struct CLISecurityTests {
    @Test func adminAndPublishOverTLSWithTokens() async throws {
        let directory = try TemporaryDirectory(prefix: "roost-cli-security")
        defer { directory.remove() }
        let certificates = try TestCertificates()
        try await certificates.makeCA("ca")
        try await certificates.makeServer("server", signedBy: "ca")
        var configuration = BrokerServerConfiguration(dataDirectory: directory.path)
        configuration.server.port = 0
        configuration.server.shutdownTimeout = .seconds(2)
        // As in LiveBroker: a starved test process may send its upgrade request after the default 10 s.
        configuration.server.handshakeTimeout = .seconds(600)
        configuration.server.tls = ServerTLSConfiguration(
            certificateChainPath: certificates.path("server.pem"), privateKeyPath: certificates.path("server.key"))
        var security = SecurityConfiguration()
        security.authentication = .on
        let reader = try JSONDecoder().decode(Permissions.self, from: Data(#"{"subscribe":[">"]}"#.utf8))
        security.tokens = [
            StaticToken(name: "admin", secret: "admin-token", permissions: .unrestricted),
            StaticToken(name: "reader", secret: "reader-token", permissions: reader),
        ]
        var logger = Logger(label: "roost.test")
        logger.logLevel = .warning
        let server = try RoostBrokerServer(
            configuration: configuration, logger: logger,
            security: try await ServerSecurity.make(security, host: "127.0.0.1"))
        try await server.start()
        let port = try #require(server.port)
        let https = ["--server", "https://localhost:\(port)", "--ca-file", certificates.path("ca.pem")]

        let created = try await RoostProcess.run(["topics", "create", "orders", "--token", "admin-token"] + https)
        #expect(created.status == 0, "\(created.stderr)")
        let anonymous = try await RoostProcess.run(["topics", "list"] + https)
        #expect(anonymous.status != 0 && anonymous.stderr.contains("unauthorized"), "\(anonymous.stderr)")
        let forbidden = try await RoostProcess.run(["topics", "create", "other", "--token", "reader-token"] + https)
        #expect(forbidden.status != 0 && forbidden.stderr.contains("forbidden"), "\(forbidden.stderr)")
        let wss = ["--server", "wss://localhost:\(port)", "--ca-file", certificates.path("ca.pem")]
        let published = try await RoostProcess.run(["pub", "orders", "hello", "--token", "admin-token"] + wss)
        #expect(published.status == 0, "\(published.stderr)")
        let denied = try await RoostProcess.run(["pub", "orders", "hello", "--token", "reader-token"] + wss)
        #expect(denied.status != 0 && denied.stderr.contains("forbidden"), "\(denied.stderr)")
        let environment = ["ROOST_TOKEN": "admin-token", "ROOST_CA_FILE": certificates.path("ca.pem")]
        let listed = try await RoostProcess.run(["topics", "list", "--server", "https://localhost:\(port)"], environment: environment)
        #expect(listed.status == 0 && listed.stdout.contains("orders"), "\(listed.stderr)")
        let untrusted = try await RoostProcess.run(["topics", "list", "--server", "https://localhost:\(port)", "--token", "admin-token"])
        #expect(untrusted.status == 3, "the system trust store does not know the test CA: \(untrusted.stderr)")
        try await server.shutdown()
    }
}
