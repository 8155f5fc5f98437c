import Metrics
import NIOCore
import RoostSecurity

/// The security of one server, assembled from a ``SecurityConfiguration``: who may connect (authenticator, origin
/// policy, per-principal connection limit) and the per-connection limits the sessions apply (publish rate).
/// Shared by every connection; every part is safe from any thread. A class, so that each connection (its handler
/// and its session) holds one reference rather than a copy of the whole configuration (idle memory, issue 4).
public final class ServerSecurity: Sendable {
    /// Authenticates tokens; disabled means every connection is ``Principal/anonymous``.
    public let authenticator: Authenticator
    /// Which browser origins may open a WebSocket.
    public let originPolicy: OriginPolicy
    /// Counts connections per principal.
    public let connectionLimiter: ConnectionLimiter
    /// The configuration it was made from (publish rate and burst, timeouts).
    public let configuration: SecurityConfiguration

    /// No authentication, no origin check, no per-principal limit: what ``RoostServer`` uses unless told otherwise.
    public static let disabled = ServerSecurity(
        authenticator: .disabled, originPolicy: OriginPolicy(), connectionLimiter: ConnectionLimiter(limit: 0),
        configuration: SecurityConfiguration())

    /// Assembles the security of a server that listens on `host`: authentication is on as
    /// ``SecurityConfiguration/requiresAuthentication(host:)`` decides.
    ///
    /// - Parameter now: the clock for token expiry and rate limits, ms since the epoch (tests pass a manual one).
    /// - Throws: ``SecurityConfigurationError`` for an unusable key, or authentication on without any credential.
    public static func make(
        _ configuration: SecurityConfiguration, host: String,
        now: @escaping @Sendable () -> Int64 = Authenticator.systemMilliseconds
    ) async throws -> ServerSecurity {
        let authenticator = try await Authenticator.make(
            configuration: configuration, enabled: configuration.requiresAuthentication(host: host), now: now)
        return ServerSecurity(
            authenticator: authenticator, originPolicy: OriginPolicy(allowedOrigins: configuration.allowedOrigins),
            connectionLimiter: ConnectionLimiter(limit: configuration.maxConnectionsPerPrincipal),
            configuration: configuration)
    }

    init(
        authenticator: Authenticator, originPolicy: OriginPolicy, connectionLimiter: ConnectionLimiter,
        configuration: SecurityConfiguration
    ) {
        self.authenticator = authenticator
        self.originPolicy = originPolicy
        self.connectionLimiter = connectionLimiter
        self.configuration = configuration
    }

    /// A publish rate limiter for one new connection, or nil when no rate is configured.
    public func makePublishLimiter() -> TokenBucket? {
        guard let rate = self.configuration.publishRatePerSecond else { return nil }
        return TokenBucket(
            ratePerSecond: rate, burst: self.configuration.publishBurst,
            nowMilliseconds: self.authenticator.nowMilliseconds())
    }
}
