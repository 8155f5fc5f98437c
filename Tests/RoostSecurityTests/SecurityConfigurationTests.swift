import Foundation
import RoostSecurity
import RoostTesting
import Testing

@Suite("Security file")
struct SecurityConfigurationTests {
    @Test func parsesEveryKey() async throws {
        try await withTemporaryDirectory { directory in try await self.parsesEveryKey(in: directory) }
    }

    private func parsesEveryKey(in directory: TemporaryDirectory) async throws {
        try TestKeys.rsaPublicPEM.write(toFile: directory.path + "/rsa.pub", atomically: true, encoding: .utf8)
        let json = """
            {
              "auth": "on",
              "tokens": [
                {"name": "billing", "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                 "permissions": {"publish": ["billing.>"], "subscribe": ["orders.>"], "consumers": ["billing-*"]}}
              ],
              "jwt": {
                "issuer": "https://auth.example.com", "audience": "roost-prod", "leeway_seconds": 5,
                "keys": [
                  {"alg": "HS256", "kid": "h1", "secret": "0123456789abcdef0123456789abcdef"},
                  {"alg": "RS256", "kid": "r1", "public_key_file": "rsa.pub"}
                ]
              },
              "allowed_origins": ["https://app.example.com"],
              "publish_rate": 500,
              "publish_burst": 50,
              "max_connections_per_principal": 3,
              "auth_timeout_ms": 2500
            }
            """
        try json.write(toFile: directory.path + "/security.json", atomically: true, encoding: .utf8)
        let configuration = try SecurityConfiguration.load(path: directory.path + "/security.json")
        #expect(configuration.authentication == .on)
        #expect(configuration.tokens.map(\.name) == ["billing"])
        #expect(configuration.tokens.first?.permissions.canPublish(topic: "billing.x") == true)
        #expect(configuration.jwt?.keys.map(\.kid) == ["h1", "r1"])
        #expect(configuration.jwt?.issuer == "https://auth.example.com")
        #expect(configuration.jwt?.audience == "roost-prod")
        #expect(configuration.jwt?.leewaySeconds == 5)
        #expect(configuration.allowedOrigins == ["https://app.example.com"])
        #expect(configuration.publishRatePerSecond == 500)
        #expect(configuration.publishBurst == 50)
        #expect(configuration.maxConnectionsPerPrincipal == 3)
        #expect(configuration.authTimeoutMilliseconds == 2500)
        let authenticator = try await Authenticator.make(configuration: configuration, enabled: true)
        #expect(try await authenticator.authenticate("hello").identity == "token:billing")
    }

    @Test func defaultsWhenEmpty() throws {
        let configuration = try SecurityConfiguration.parse(Data("{}".utf8))
        #expect(configuration.authentication == .automatic)
        #expect(configuration.tokens.isEmpty)
        #expect(configuration.jwt == nil)
        #expect(configuration.publishRatePerSecond == nil)
    }

    @Test func errorsNameTheEntry() throws {
        let cases: [(String, String)] = [
            (#"{"auth":"maybe"}"#, "auth must be"),
            (#"{"tokens":[{"name":"x","sha256":"00"}]}"#, "tokens[0] (x)"),
            (#"{"tokens":[{"name":"x","sha256":"00","permissions":{"publish":["a..b"]}}]}"#, "a..b"),
            (#"{"jwt":{"keys":[{"alg":"none"}]}}"#, "jwt.keys[0]"),
            (#"{"jwt":{"keys":[{"alg":"RS256","public_key_file":"/nonexistent/k.pem"}]}}"#, "cannot read"),
            (#"{"publish_rate":0}"#, "publish_rate"),
            (#"{"tokens":[{"sha256":"00"}]}"#, "name is required"),
            ("not json", "not a valid security file"),
            (#"{"publish_rates":5}"#, "unknown key 'publish_rates'"),
        ]
        for (json, expected) in cases {
            do {
                _ = try SecurityConfiguration.parse(Data(json.utf8))
                Issue.record("accepted \(json)")
            } catch let error as SecurityConfigurationError {
                #expect(error.description.contains(expected), "\(error) for \(json)")
            }
        }
        #expect(throws: SecurityConfigurationError.self) { try SecurityConfiguration.load(path: "/nonexistent/security.json") }
    }
}
