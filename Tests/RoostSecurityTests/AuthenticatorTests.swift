import Foundation
import JWTKit
import RoostSecurity
import RoostTesting
import Testing

/// The claims a test token carries; the same JSON names Roost reads.
struct TestClaims: JWTPayload {
    var sub: SubjectClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var roost: Permissions?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("Authenticator: static tokens and JWTs")
struct AuthenticatorTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"
    let clock = ManualClock()

    var now: Date { Date(timeIntervalSince1970: Double(self.clock.nowMilliseconds()) / 1000) }

    func permissions(_ json: String) throws -> Permissions {
        try JSONDecoder().decode(Permissions.self, from: Data(json.utf8))
    }

    func authenticator(_ configure: (inout SecurityConfiguration) throws -> Void) async throws -> Authenticator {
        var configuration = SecurityConfiguration()
        try configure(&configuration)
        let clock = self.clock
        return try await Authenticator.make(configuration: configuration, enabled: true) { clock.nowMilliseconds() }
    }

    func claims(
        sub: String = "svc", expiresIn: TimeInterval? = 3600, notBefore: TimeInterval? = nil, issuer: String? = "auth",
        audience: [String]? = ["roost"], permissions: Permissions? = Permissions.unrestricted
    ) -> TestClaims {
        TestClaims(
            sub: SubjectClaim(value: sub),
            exp: expiresIn.map { ExpirationClaim(value: self.now.addingTimeInterval($0)) },
            nbf: notBefore.map { NotBeforeClaim(value: self.now.addingTimeInterval($0)) },
            iss: issuer.map { IssuerClaim(value: $0) },
            aud: audience.map { AudienceClaim(value: $0) },
            roost: permissions)
    }

    func hs256(_ claims: TestClaims, secret: String = AuthenticatorTests.secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    func hsAuthenticator() async throws -> Authenticator {
        try await self.authenticator { $0.jwt = JWTConfiguration(keys: [.hs256(secret: Self.secret)], issuer: "auth") }
    }

    @Test func disabledMeansAnonymous() async throws {
        let authenticator = try await Authenticator.make(configuration: SecurityConfiguration(), enabled: false)
        #expect(try await authenticator.authenticate(nil) == .anonymous)
        #expect(try await authenticator.authenticate("whatever") == .anonymous)
    }

    @Test func enabledWithoutCredentialsIsAConfigurationError() async {
        await #expect(throws: SecurityConfigurationError.self) {
            _ = try await Authenticator.make(configuration: SecurityConfiguration(), enabled: true)
        }
    }

    @Test func staticTokens() async throws {
        let billing = try self.permissions(#"{"publish":["billing.>"],"subscribe":["orders.>"]}"#)
        let authenticator = try await self.authenticator { configuration in
            configuration.tokens = [
                StaticToken(name: "billing", secret: "s3cret-billing", permissions: billing),
                try #require(StaticToken(
                    name: "ops", sha256Hex: "7a2c8a4b2a3d1bd2a1c9f0d40ddb36f3d8b5e61c6ea4c2da6a52e62d1ba3f1ef",
                    permissions: .unrestricted)),
            ]
        }
        let principal = try await authenticator.authenticate("s3cret-billing")
        #expect(principal.identity == "token:billing")
        #expect(principal.permissions == billing)
        #expect(principal.expiresAtMilliseconds == nil)
        await #expect(throws: AuthenticationError.missingToken) { try await authenticator.authenticate(nil) }
        await #expect(throws: AuthenticationError.missingToken) { try await authenticator.authenticate("") }
        await #expect(throws: AuthenticationError.unknownToken) { try await authenticator.authenticate("s3cret-billinG") }
        await #expect(throws: AuthenticationError.unknownToken) { try await authenticator.authenticate("a.b.c") }
    }

    @Test func everythingButAJWTIsDecidedWithoutWaiting() async throws {
        let authenticator = try await self.authenticator { configuration in
            configuration.tokens = [StaticToken(name: "a", secret: "a-token", permissions: .unrestricted)]
            configuration.jwt = JWTConfiguration(keys: [.hs256(secret: Self.secret)])
        }
        #expect(try authenticator.immediateVerdict(for: "a-token")?.get().identity == "token:a")
        #expect(authenticator.immediateVerdict(for: nil).map { if case .failure(.missingToken) = $0 { true } else { false } } == true)
        #expect(authenticator.immediateVerdict(for: "nope").map { if case .failure(.unknownToken) = $0 { true } else { false } } == true)
        #expect(authenticator.immediateVerdict(for: "x.y.z") == nil, "JWT-shaped: verified asynchronously")
        let disabled = try await Authenticator.make(configuration: SecurityConfiguration(), enabled: false)
        #expect(try disabled.immediateVerdict(for: "x.y.z")?.get() == .anonymous)
    }

    @Test func hashOfTheConfigurationFile() throws {
        // printf %s 'hello' | sha256sum
        let token = try #require(StaticToken(
            name: "t", sha256Hex: "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824", permissions: Permissions()))
        #expect(token.sha256 == StaticToken(name: "t", secret: "hello", permissions: Permissions()).sha256)
        #expect(StaticToken(name: "t", sha256Hex: "abc", permissions: Permissions()) == nil)
        #expect(StaticToken(name: "t", sha256Hex: String(repeating: "g", count: 64), permissions: Permissions()) == nil)
    }

    @Test func validHS256TokenCarriesItsPermissions() async throws {
        let granted = try self.permissions(#"{"subscribe":["orders.>"],"consumers":["billing-*"]}"#)
        let token = try await self.hs256(self.claims(sub: "billing-7", permissions: granted))
        let principal = try await self.hsAuthenticator().authenticate(token)
        #expect(principal.identity == "jwt:billing-7")
        #expect(principal.permissions == granted)
        #expect(principal.expiresAtMilliseconds == self.clock.nowMilliseconds() + 3_600_000 + 30_000)
    }

    @Test func tokenWithoutPermissionsClaimMayDoNothing() async throws {
        let token = try await self.hs256(self.claims(permissions: nil))
        #expect(try await self.hsAuthenticator().authenticate(token).permissions == Permissions())
    }

    @Test func expiredNotYetValidAndMissingExpiryAreRefused() async throws {
        let authenticator = try await self.hsAuthenticator()
        let expired = try await self.hs256(self.claims(expiresIn: -60))
        await #expect(throws: AuthenticationError.expired) { try await authenticator.authenticate(expired) }
        #expect(AuthenticationError.expired.code == "token_expired")
        let early = try await self.hs256(self.claims(notBefore: 600))
        await #expect(throws: AuthenticationError.notYetValid) { try await authenticator.authenticate(early) }
        let forever = try await self.hs256(self.claims(expiresIn: nil))
        await #expect(throws: AuthenticationError.malformedToken) { try await authenticator.authenticate(forever) }
        // Within the leeway both pass; the clock then moves past the expiry.
        let soon = try await self.hs256(self.claims(expiresIn: 10, notBefore: 10))
        let principal = try await authenticator.authenticate(soon)
        #expect(!authenticator.hasExpired(principal))
        self.clock.advance(by: 41_000)
        #expect(authenticator.hasExpired(principal))
        await #expect(throws: AuthenticationError.expired) { try await authenticator.authenticate(soon) }
    }

    @Test func wrongSignatureIssuerAndAudienceAreRefused() async throws {
        let authenticator = try await self.hsAuthenticator()
        let forged = try await self.hs256(self.claims(), secret: "another-secret-that-is-32-bytes-long!!")
        await #expect(throws: AuthenticationError.badSignature) { try await authenticator.authenticate(forged) }
        let otherIssuer = try await self.hs256(self.claims(issuer: "evil"))
        await #expect(throws: AuthenticationError.wrongIssuer) { try await authenticator.authenticate(otherIssuer) }
        let otherAudience = try await self.hs256(self.claims(audience: ["billing-api"]))
        await #expect(throws: AuthenticationError.wrongAudience) { try await authenticator.authenticate(otherAudience) }
        let noAudience = try await self.hs256(self.claims(audience: nil))
        await #expect(throws: AuthenticationError.wrongAudience) { try await authenticator.authenticate(noAudience) }
        let manyAudiences = try await self.hs256(self.claims(audience: ["billing-api", "roost"]))
        #expect(try await authenticator.authenticate(manyAudiences).identity == "jwt:svc")
        // A tampered payload: the signature no longer matches.
        let valid = try await self.hs256(self.claims(permissions: Permissions()))
        let parts = valid.split(separator: ".")
        let admin = try await self.hs256(self.claims())
        let tampered = [parts[0], admin.split(separator: ".")[1], parts[2]].joined(separator: ".")
        await #expect(throws: AuthenticationError.badSignature) { try await authenticator.authenticate(tampered) }
        await #expect(throws: AuthenticationError.malformedToken) { try await authenticator.authenticate("x.y.z") }
    }

    @Test func unsignedTokenIsRefused() async throws {
        let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
        let body = Data(#"{"sub":"x","exp":9999999999,"aud":"roost","iss":"auth","roost":{"admin":[">"]}}"#.utf8)
            .base64EncodedString()
        let token = "\(header).\(body).".replacingOccurrences(of: "=", with: "")
        await #expect(throws: AuthenticationError.self) { try await self.hsAuthenticator().authenticate(token) }
    }

    @Test func asymmetricAlgorithms() async throws {
        let ecKey = ES256PrivateKey()
        let edKey = try EdDSA.PrivateKey()
        let authenticator = try await self.authenticator { configuration in
            configuration.jwt = JWTConfiguration(keys: [
                .rs256(publicKeyPEM: TestKeys.rsaPublicPEM, kid: "rsa"),
                .es256(publicKeyPEM: ecKey.publicKey.pemRepresentation, kid: "ec"),
                .eddsa(publicKeyPEM: try edKey.publicKey.pemRepresentation, kid: "ed"),
            ])
        }
        let signers = JWTKeyCollection()
        await signers.add(rsa: try Insecure.RSA.PrivateKey(pem: TestKeys.rsaPrivatePEM), digestAlgorithm: .sha256, kid: "rsa")
        await signers.add(ecdsa: ecKey, kid: "ec")
        await signers.add(eddsa: edKey, kid: "ed")
        for kid in ["rsa", "ec", "ed"] {
            let token = try await signers.sign(self.claims(sub: kid), kid: JWKIdentifier(string: kid))
            #expect(try await authenticator.authenticate(token).identity == "jwt:\(kid)")
        }
        // Signed by a key the server does not know (a fresh P-256 key), under a known kid and without one.
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey(), kid: "ec")
        let forged = try await stranger.sign(self.claims(), kid: "ec")
        await #expect(throws: AuthenticationError.badSignature) { try await authenticator.authenticate(forged) }
        // An HS256 token "signed" with the RSA public key as the secret (algorithm confusion) is refused.
        let confused = try await self.hs256(self.claims(), secret: TestKeys.rsaPublicPEM)
        await #expect(throws: AuthenticationError.self) { try await authenticator.authenticate(confused) }
    }

    @Test func shortHMACSecretIsRefusedAtStartup() async {
        await #expect(throws: SecurityConfigurationError.self) {
            _ = try await self.authenticator { $0.jwt = JWTConfiguration(keys: [.hs256(secret: "short")]) }
        }
        await #expect(throws: SecurityConfigurationError.self) {
            _ = try await self.authenticator { $0.jwt = JWTConfiguration(keys: [.rs256(publicKeyPEM: "not a key")]) }
        }
    }

    @Test func bearerHeader() {
        #expect(Authenticator.bearerToken(fromAuthorization: "Bearer abc") == "abc")
        #expect(Authenticator.bearerToken(fromAuthorization: "bearer  abc ") == "abc")
        #expect(Authenticator.bearerToken(fromAuthorization: "Basic abc") == nil)
        #expect(Authenticator.bearerToken(fromAuthorization: "Bearer ") == nil)
        #expect(Authenticator.bearerToken(fromAuthorization: nil) == nil)
    }
}
