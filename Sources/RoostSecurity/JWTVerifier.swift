import Crypto
import Foundation
import JWTKit

/// Verifies JWT bearer tokens against a ``JWTConfiguration``: signature by jwt-kit, then `exp`, `nbf`, `iss` and
/// `aud` here, against the injected clock (so tests move time instead of sleeping).
final class JWTVerifier: Sendable {
    private let keys: JWTKeyCollection
    private let configuration: JWTConfiguration

    private init(keys: JWTKeyCollection, configuration: JWTConfiguration) {
        self.keys = keys
        self.configuration = configuration
    }

    /// Loads every key; throws ``SecurityConfigurationError`` for a key that cannot be used.
    static func make(_ configuration: JWTConfiguration) async throws -> JWTVerifier {
        guard !configuration.keys.isEmpty else { throw SecurityConfigurationError("jwt: at least one key is required") }
        let keys = JWTKeyCollection()
        for (index, key) in configuration.keys.enumerated() {
            let kid = key.kid.map { JWKIdentifier(string: $0) }
            do {
                switch key.material {
                case .hs256(let secret):
                    guard secret.count >= 32 else {
                        throw SecurityConfigurationError("jwt key \(index): an HS256 secret needs at least 32 bytes")
                    }
                    await keys.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256, kid: kid)
                case .rs256(let pem):
                    await keys.add(rsa: try Insecure.RSA.PublicKey(pem: pem), digestAlgorithm: .sha256, kid: kid)
                case .es256(let pem):
                    await keys.add(ecdsa: try ES256PublicKey(pem: pem), kid: kid)
                case .eddsa(let pem):
                    await keys.add(eddsa: try EdDSA.PublicKey(pem: pem), kid: kid)
                }
            } catch let error as SecurityConfigurationError {
                throw error
            } catch {
                throw SecurityConfigurationError("jwt key \(index): cannot load the public key: \(error)")
            }
        }
        return JWTVerifier(keys: keys, configuration: configuration)
    }

    /// The principal of a valid token, or why it is not valid.
    func verify(_ token: String, nowMilliseconds: Int64) async throws(AuthenticationError) -> Principal {
        let claims: RoostClaims
        do {
            // Every key is tried when the header has no kid; each key verifies with its own algorithm, whatever the
            // header's `alg` says, so an RSA public key can never be used as an HMAC secret.
            claims = try await self.keys.verify(token, as: RoostClaims.self, iteratingKeys: true)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch {
            throw .malformedToken
        }
        let now = nowMilliseconds
        let leeway = self.configuration.leewaySeconds * 1000
        let expiry = claims.exp.map { Self.milliseconds($0.value) }
        if let expiry {
            guard now < expiry + leeway else { throw .expired }
        } else if self.configuration.requireExpiration {
            throw .malformedToken
        }
        if let notBefore = claims.nbf.map({ Self.milliseconds($0.value) }), now + leeway < notBefore {
            throw .notYetValid
        }
        if let issuer = self.configuration.issuer, claims.iss?.value != issuer {
            throw .wrongIssuer
        }
        if let audience = self.configuration.audience, !(claims.aud?.value.contains(audience) ?? false) {
            throw .wrongAudience
        }
        return Principal(
            identity: "jwt:" + (claims.sub?.value ?? "?"),
            permissions: claims.roost ?? Permissions(),
            expiresAtMilliseconds: expiry.map { $0 + leeway })
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        let value = date.timeIntervalSince1970 * 1000
        guard value.isFinite else { return value > 0 ? .max : .min }
        return Int64(max(min(value, 9.0e15), -9.0e15))
    }
}

/// The claims Roost reads from a JWT. Time claims are checked by ``JWTVerifier`` against its clock, not here.
struct RoostClaims: JWTPayload {
    var sub: SubjectClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var roost: Permissions?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
