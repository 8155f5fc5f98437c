/// Who is on the other end of a connection, once authenticated, and what they may do.
public struct Principal: Sendable, Hashable {
    /// A stable identity, used for per-principal limits and logs: `token:<name>` for a static token,
    /// `jwt:<sub>` for a JWT, `anonymous` when authentication is off.
    public var identity: String
    /// What this principal may do.
    public var permissions: Permissions
    /// When the credential stops being valid, ms since the epoch; nil: never (static tokens).
    public var expiresAtMilliseconds: Int64?
    /// False only for ``unauthenticated``: a connection that has not presented a token yet.
    public let isAuthenticated: Bool

    /// Creates an authenticated principal.
    public init(identity: String, permissions: Permissions, expiresAtMilliseconds: Int64? = nil) {
        self.identity = identity
        self.permissions = permissions
        self.expiresAtMilliseconds = expiresAtMilliseconds
        self.isAuthenticated = true
    }

    private init(unauthenticatedIdentity identity: String) {
        self.identity = identity
        self.permissions = Permissions()
        self.expiresAtMilliseconds = nil
        self.isAuthenticated = false
    }

    /// The principal of every connection when authentication is off: all permissions, never expires.
    public static let anonymous = Principal(identity: "anonymous", permissions: .unrestricted)

    /// A connection that upgraded without a token while authentication is on, waiting for its first `auth` frame:
    /// no permissions. Its identity, `unauthenticated`, cannot clash with a token's (`token:` / `jwt:` prefixes), so
    /// all such connections share one per-principal connection count, which bounds how many can wait at once.
    public static let unauthenticated = Principal(unauthenticatedIdentity: "unauthenticated")
}
