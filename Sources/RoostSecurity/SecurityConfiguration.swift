/// Everything about who may connect and what they may do, in one place. `SecurityConfiguration()` is right for a
/// broker on loopback (no authentication, no limits beyond the transport's); Docs/security.md shows the rest.
public struct SecurityConfiguration: Sendable {
    /// Whether connections must authenticate.
    public enum AuthenticationMode: String, Sendable {
        /// On when the server listens beyond loopback, off on loopback (the default: a development broker just
        /// works, an exposed one is never open by accident).
        case automatic = "auto"
        /// Always on.
        case on
        /// Always off, even on a public address: an explicit choice, for a broker behind an authenticating proxy.
        case off
    }

    /// Whether authentication is required. Default ``AuthenticationMode/automatic``.
    public var authentication: AuthenticationMode = .automatic

    /// Static tokens with their permissions. Default none.
    public var tokens: [StaticToken] = []

    /// JWT verification; nil: JWTs are not accepted. Default nil.
    public var jwt: JWTConfiguration?

    /// Origins allowed to open a WebSocket from a browser; empty: all. Default empty (set it whenever browsers
    /// connect: see ``OriginPolicy``).
    public var allowedOrigins: [String] = []

    /// Messages per second one connection may publish (a batch counts each message); nil: no limit. Default nil:
    /// the broker's own back pressure (in-flight publishes, TCP) already bounds memory; set a rate to keep one
    /// client from taking a disproportionate share of the disk.
    public var publishRatePerSecond: Double?

    /// Messages a connection may publish in a burst above ``publishRatePerSecond``. Default 1,000: a full
    /// default-sized batch passes at once.
    public var publishBurst: Int = 1_000

    /// Connections one principal (token or JWT subject) may hold open; 0: no limit. Default 1,000: far above what
    /// one service needs, far below the server's own limit, so one leaked token cannot take every slot.
    public var maxConnectionsPerPrincipal: Int = 1_000

    /// How long a connection that upgraded without a token may take to authenticate with an `auth` frame, ms;
    /// beyond it the connection is closed with 1008. 0: no first-frame authentication, the upgrade itself must
    /// carry a token (401 without one). Default 10,000: time for a browser page to fetch a token and send it, short
    /// enough that idle unauthenticated sockets do not pile up (they also count against the connection limits).
    public var authTimeoutMilliseconds: Int64 = 10_000

    /// Creates the default configuration.
    public init() {}

    /// Whether authentication applies to a server bound to `host`.
    public func requiresAuthentication(host: String) -> Bool {
        switch self.authentication {
        case .on: true
        case .off: false
        case .automatic: !Self.isLoopback(host)
        }
    }

    /// Whether `host` is a loopback address or name (`127.0.0.0/8`, `::1`, `localhost`).
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.dropFirst().allSatisfy { UInt8($0) != nil }
    }
}
