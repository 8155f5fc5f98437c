import Foundation
import JWTKit
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RoostSecurity
import RoostServer
import Testing

/// Authentication, origin checks and per-principal limits at the upgrade and on the HTTP routes, over real sockets.
@Suite struct SecurityServerTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"
    /// A fixed instant (whole seconds, as JWT times are) that the server's clock reports.
    static let nowSeconds: Int64 = 1_767_225_600

    static func permissions(_ json: String) throws -> Permissions {
        try JSONDecoder().decode(Permissions.self, from: Data(json.utf8))
    }

    static func security(_ configure: (inout SecurityConfiguration) throws -> Void = { _ in }) async throws -> ServerSecurity {
        var configuration = SecurityConfiguration()
        configuration.authentication = .on
        configuration.tokens = [
            StaticToken(name: "admin", secret: "admin-token", permissions: .unrestricted),
            StaticToken(name: "reader", secret: "reader-token", permissions: try permissions(#"{"subscribe":["orders.>"]}"#)),
        ]
        configuration.jwt = JWTConfiguration(keys: [.hs256(secret: Self.secret)], leewaySeconds: 0)
        try configure(&configuration)
        return try await ServerSecurity.make(configuration, host: "127.0.0.1") { Self.nowSeconds * 1000 }
    }

    /// An echo server with `security`; connections do not time out between a test's steps on a loaded machine.
    static func server(router: HTTPRouter = HTTPRouter(), security: ServerSecurity) async throws -> ServerHarness {
        try await ServerHarness.start(router: router, security: security) { $0.handshakeTimeout = .seconds(600) }
    }

    /// An HS256 JWT for subject `svc`, valid until `seconds` after ``nowSeconds``, granting `permissions` (none
    /// when nil: the `roost` claim is left out).
    static func jwt(expiresIn seconds: Int64, permissions: Permissions? = nil) async throws -> String {
        struct Claims: JWTPayload {
            var sub: SubjectClaim
            var exp: ExpirationClaim
            var aud: AudienceClaim
            var roost: Permissions?
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Self.secret), digestAlgorithm: .sha256)
        let expiry = Date(timeIntervalSince1970: TimeInterval(Self.nowSeconds + seconds))
        return try await keys.sign(Claims(sub: "svc", exp: ExpirationClaim(value: expiry), aud: "roost", roost: permissions))
    }

    private func upgrade(_ port: Int, path: String = "/v1/ws", headers: [String] = []) async throws -> (RawClient, String, String) {
        let client = try await RawClient.connect(port: port)
        try await client.send(TestFrames.upgradeRequest(path: path, headers: headers))
        let head = try #require(await client.readHead())
        if head.hasPrefix("HTTP/1.1 101") { return (client, head, "") }
        let response = await client.readRemainingBody()
        return (client, head, response)
    }

    private func get(_ port: Int, _ path: String, token: String? = nil) async throws -> (head: String, body: String) {
        let client = try await RawClient.connect(port: port)
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        try await client.send(request + "\r\n")
        let response = await client.readResponse()
        await client.close()
        return try #require(response)
    }

    @Test func upgradeWithAWrongTokenIsRefused() async throws {
        let harness = try await Self.server(security: try await Self.security())
        let server = harness.server
        defer { Task { await server.shutdown() } }
        for (path, headers) in [
            ("/v1/ws", ["Authorization: Bearer nope"]), ("/v1/ws?token=nope", []), ("/v1/ws", ["Authorization: Basic YTpi"]),
        ] {
            let (_, head, body) = try await self.upgrade(harness.port, path: path, headers: headers)
            #expect(head.hasPrefix("HTTP/1.1 401"), "\(path) \(headers)")
            #expect(head.lowercased().contains("www-authenticate: bearer"))
            #expect(body.contains("\"unauthorized\""))
        }
        #expect(harness.sessions.withLockedValue { $0.isEmpty })
    }

    @Test func upgradeWithoutATokenWaitsUnauthenticatedThenTimesOut() async throws {
        var harness = try await Self.server(security: try await Self.security { $0.authTimeoutMilliseconds = 100 })
        let server = harness.server
        defer { Task { await server.shutdown() } }
        let (client, head, _) = try await self.upgrade(harness.port)
        #expect(head.hasPrefix("HTTP/1.1 101"))
        #expect(await harness.waitFor(.opened("roost.v1.json")))
        let principal = try #require(harness.sessions.withLockedValue { $0.first?.principal })
        #expect(!principal.isAuthenticated)
        #expect(principal.identity == "unauthenticated")
        #expect(await client.readCloseCode() == .some(1008))
    }

    @Test func tokenInHeaderOrQueryParameter() async throws {
        var harness = try await Self.server(security: try await Self.security())
        let server = harness.server
        defer { Task { await server.shutdown() } }
        let (header, headerHead, _) = try await self.upgrade(harness.port, headers: ["Authorization: Bearer reader-token"])
        #expect(headerHead.hasPrefix("HTTP/1.1 101"))
        let (query, queryHead, _) = try await self.upgrade(harness.port, path: "/v1/ws?token=admin%2Dtoken")
        #expect(queryHead.hasPrefix("HTTP/1.1 101"))
        // The session exists once the server saw the upgrade through, which may be after the client read the 101.
        #expect(await harness.waitFor(.opened("roost.v1.json")))
        #expect(await harness.waitFor(.opened("roost.v1.json")))
        let principals = harness.sessions.withLockedValue { $0.map(\.principal.identity) }
        #expect(principals == ["token:reader", "token:admin"])
        let reader = try #require(harness.sessions.withLockedValue { $0.first })
        #expect(reader.principal.permissions.canSubscribe(topic: "orders.*", consumer: nil))
        #expect(!reader.principal.permissions.canSubscribe(topic: ">", consumer: nil))
        await header.close()
        await query.close()
    }

    @Test func expiredAndNotYetValidJWTsAreRefusedAtTheUpgrade() async throws {
        let harness = try await Self.server(security: try await Self.security())
        let server = harness.server
        defer { Task { await server.shutdown() } }
        let expired = try await Self.jwt(expiresIn: -10)
        let (_, head, body) = try await self.upgrade(harness.port, headers: ["Authorization: Bearer \(expired)"])
        #expect(head.hasPrefix("HTTP/1.1 401"))
        #expect(body.contains("\"token_expired\""))
        let valid = try await Self.jwt(expiresIn: 600)
        let (client, ok, _) = try await self.upgrade(harness.port, headers: ["Authorization: Bearer \(valid)"])
        #expect(ok.hasPrefix("HTTP/1.1 101"))
        await client.close()
    }

    @Test func connectionWhoseTokenExpiresIsToldAndClosedWith1008() async throws {
        let harness = try await Self.server(security: try await Self.security())
        let server = harness.server
        defer { Task { await server.shutdown() } }
        let token = try await Self.jwt(expiresIn: 1)
        let (client, head, _) = try await self.upgrade(harness.port, headers: ["Authorization: Bearer \(token)"])
        #expect(head.hasPrefix("HTTP/1.1 101"))
        let frame = try #require(await client.readFrame())
        #expect(frame.opcode == 0x1)
        #expect(String(decoding: frame.payload, as: UTF8.self).contains("\"code\":\"token_expired\""))
        #expect(await client.readCloseCode() == .some(1008))
    }

    @Test func foreignOriginIsRefused() async throws {
        let security = try await Self.security { $0.allowedOrigins = ["https://app.example.com"] }
        let harness = try await Self.server(security: security)
        let server = harness.server
        defer { Task { await server.shutdown() } }
        let token = "Authorization: Bearer admin-token"
        let (_, foreign, body) = try await self.upgrade(harness.port, headers: [token, "Origin: https://evil.example"])
        #expect(foreign.hasPrefix("HTTP/1.1 403"))
        #expect(body.contains("forbidden_origin"))
        let (client, allowed, _) = try await self.upgrade(harness.port, headers: [token, "Origin: https://app.example.com"])
        #expect(allowed.hasPrefix("HTTP/1.1 101"))
        await client.close()
    }

    @Test func originIsCheckedEvenWithAuthenticationOff() async throws {
        var configuration = SecurityConfiguration()
        configuration.allowedOrigins = ["https://app.example.com"]
        let security = try await ServerSecurity.make(configuration, host: "127.0.0.1")
        #expect(!security.authenticator.isEnabled)
        let harness = try await Self.server(security: security)
        let server = harness.server
        defer { Task { await server.shutdown() } }
        let (_, foreign, _) = try await self.upgrade(harness.port, headers: ["Origin: https://evil.example"])
        #expect(foreign.hasPrefix("HTTP/1.1 403"))
        let (client, open, _) = try await self.upgrade(harness.port)
        #expect(open.hasPrefix("HTTP/1.1 101"))
        await client.close()
    }

    @Test func connectionLimitPerTokenRefusesTheNextWith429() async throws {
        let harness = try await Self.server(security: try await Self.security { $0.maxConnectionsPerPrincipal = 2 })
        let server = harness.server
        defer { Task { await server.shutdown() } }
        let header = ["Authorization: Bearer reader-token"]
        let (first, a, _) = try await self.upgrade(harness.port, headers: header)
        let (second, b, _) = try await self.upgrade(harness.port, headers: header)
        #expect(a.hasPrefix("HTTP/1.1 101") && b.hasPrefix("HTTP/1.1 101"))
        let (_, third, body) = try await self.upgrade(harness.port, headers: header)
        #expect(third.hasPrefix("HTTP/1.1 429"))
        #expect(body.contains("too_many_connections"))
        let (other, admin, _) = try await self.upgrade(harness.port, headers: ["Authorization: Bearer admin-token"])
        #expect(admin.hasPrefix("HTTP/1.1 101"), "another token is not affected")
        for client in [first, second, other] { await client.close() }
    }

    @Test func metricsAndAdminRoutesNeedTheAdminPermission() async throws {
        var router = HTTPRouter()
        router.add(.GET, "/v1/admin/stats") { _ in .text("stats\n") }
        router.add(.GET, "/v1/admin/topics/:name") { request in .text(request.parameters["name"] ?? "") }
        let security = try await Self.security { configuration in
            configuration.tokens.append(StaticToken(
                name: "orders-admin", secret: "orders-admin-token", permissions: try Self.permissions(#"{"admin":["orders.>"]}"#)))
        }
        let harness = try await Self.server(router: router, security: security)
        let server = harness.server
        defer { Task { await server.shutdown() } }
        #expect(try await self.get(harness.port, "/healthz").head.hasPrefix("HTTP/1.1 200"))
        #expect(try await self.get(harness.port, "/metrics").head.hasPrefix("HTTP/1.1 401"))
        #expect(try await self.get(harness.port, "/metrics", token: "reader-token").head.hasPrefix("HTTP/1.1 403"))
        #expect(try await self.get(harness.port, "/v1/admin/stats", token: "reader-token").head.hasPrefix("HTTP/1.1 403"))
        #expect(try await self.get(harness.port, "/v1/admin/stats", token: "orders-admin-token").head.hasPrefix("HTTP/1.1 403"))
        #expect(try await self.get(harness.port, "/v1/admin/topics/orders.x", token: "orders-admin-token").head.hasPrefix("HTTP/1.1 200"))
        #expect(try await self.get(harness.port, "/v1/admin/topics/payments.x", token: "orders-admin-token").head.hasPrefix("HTTP/1.1 403"))
        #expect(try await self.get(harness.port, "/v1/admin/stats", token: "admin-token").head.hasPrefix("HTTP/1.1 200"))
        let metrics = try await self.get(harness.port, "/metrics", token: "admin-token")
        #expect(metrics.head.hasPrefix("HTTP/1.1 200"))
        #expect(metrics.body.contains(#"roost_security_refusals_total{reason="unauthorized"} 1"#))
        #expect(metrics.body.contains(#"roost_security_refusals_total{reason="forbidden"} 4"#))
    }

    @Test func authenticationIsOnByDefaultOffLoopbackOnly() async throws {
        var configuration = SecurityConfiguration()
        configuration.tokens = [StaticToken(name: "a", secret: "a", permissions: .unrestricted)]
        #expect(try await ServerSecurity.make(configuration, host: "0.0.0.0").authenticator.isEnabled)
        #expect(try await !ServerSecurity.make(configuration, host: "127.0.0.1").authenticator.isEnabled)
        await #expect(throws: SecurityConfigurationError.self) {
            _ = try await ServerSecurity.make(SecurityConfiguration(), host: "0.0.0.0")
        }
        configuration.authentication = .off
        #expect(try await !ServerSecurity.make(configuration, host: "0.0.0.0").authenticator.isEnabled)
    }
}
