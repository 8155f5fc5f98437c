import Foundation

/// Turns a presented token into a ``Principal``: first the static tokens (hash, constant-time compare), then JWT
/// verification. With authentication off every connection is ``Principal/anonymous``.
///
/// Safe from any thread; ``authenticate(_:)`` is async because JWT verification goes through jwt-kit's key
/// collection (an actor). It runs once per connection (and per `auth` frame), not per message.
public final class Authenticator: Sendable {
    /// Whether tokens are required.
    public let isEnabled: Bool
    private let tokens: StaticTokenTable
    private let jwt: JWTVerifier?
    private let now: @Sendable () -> Int64

    private init(isEnabled: Bool, tokens: StaticTokenTable, jwt: JWTVerifier?, now: @escaping @Sendable () -> Int64) {
        self.isEnabled = isEnabled
        self.tokens = tokens
        self.jwt = jwt
        self.now = now
    }

    /// Authentication off: every token, or none, is ``Principal/anonymous``.
    public static let disabled = Authenticator(
        isEnabled: false, tokens: StaticTokenTable(tokens: []), jwt: nil, now: Authenticator.systemMilliseconds)

    /// Builds an authenticator.
    ///
    /// - Parameters:
    ///   - configuration: tokens and JWT keys.
    ///   - enabled: whether tokens are required (``SecurityConfiguration/requiresAuthentication(host:)``).
    ///   - now: the clock for `exp`/`nbf` and connection expiry, ms since the epoch; tests pass a manual clock.
    /// - Throws: ``SecurityConfigurationError`` when a JWT key cannot be loaded, or authentication is enabled with
    ///   neither tokens nor JWT keys (no one could ever connect).
    public static func make(
        configuration: SecurityConfiguration, enabled: Bool,
        now: @escaping @Sendable () -> Int64 = Authenticator.systemMilliseconds
    ) async throws -> Authenticator {
        var jwt: JWTVerifier?
        if let configuration = configuration.jwt { jwt = try await JWTVerifier.make(configuration) }
        if enabled, configuration.tokens.isEmpty, jwt == nil {
            throw SecurityConfigurationError(
                "authentication is on but no static token or JWT key is configured: no client could connect")
        }
        return Authenticator(isEnabled: enabled, tokens: StaticTokenTable(tokens: configuration.tokens), jwt: jwt, now: now)
    }

    /// The principal for `token`, or why there is none. Nil or empty `token` with authentication on is
    /// ``AuthenticationError/missingToken``.
    public func authenticate(_ token: String?) async throws(AuthenticationError) -> Principal {
        if let verdict = self.immediateVerdict(for: token) { return try verdict.get() }
        guard let token, let jwt else { throw .unknownToken }
        return try await jwt.verify(token, nowMilliseconds: self.now())
    }

    /// The verdict of ``authenticate(_:)`` when it needs no waiting: authentication off, no token, a static token,
    /// or a token that cannot be a JWT this server accepts; nil when it is a JWT to verify. Lets an event loop decide
    /// most connections without a hop to a task (and without depending on the task pool's latency).
    public func immediateVerdict(for token: String?) -> Result<Principal, AuthenticationError>? {
        guard self.isEnabled else { return .success(.anonymous) }
        guard let token, !token.isEmpty else { return .failure(.missingToken) }
        if let match = self.tokens.lookup(token) {
            return .success(Principal(identity: "token:" + match.name, permissions: match.permissions))
        }
        guard self.jwt != nil, token.utf8.count <= 16 << 10,
            token.utf8.lazy.filter({ $0 == UInt8(ascii: ".") }).count == 2
        else {
            return .failure(.unknownToken)
        }
        return nil
    }

    /// Whether `principal`'s credential has expired by now.
    public func hasExpired(_ principal: Principal) -> Bool {
        guard let expiry = principal.expiresAtMilliseconds else { return false }
        return self.now() >= expiry
    }

    /// The current time by this authenticator's clock, ms since the epoch.
    public func nowMilliseconds() -> Int64 { self.now() }

    /// The token of an `Authorization: Bearer <token>` header value (scheme case-insensitive), or nil.
    public static func bearerToken(fromAuthorization value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = value.drop { $0 == " " }
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The wall clock, ms since the epoch.
    public static let systemMilliseconds: @Sendable () -> Int64 = {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
