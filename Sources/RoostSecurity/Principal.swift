/// Who is on the other end of a connection, once authenticated, and what they may do.
public struct Principal: Sendable, Hashable {
    /// A stable identity, used for per-principal limits and logs: `token:<name>` for a static token,
    /// `jwt:<sub>` for a JWT, `anonymous` when authentication is off.
    public var identity: String
    /// What this principal may do.
    public var permissions: Permissions
    /// When the credential stops being valid, ms since the epoch; nil: never (static tokens).
    public var expiresAtMilliseconds: Int64?

    /// Creates a principal.
    public init(identity: String, permissions: Permissions, expiresAtMilliseconds: Int64? = nil) {
        self.identity = identity
        self.permissions = permissions
        self.expiresAtMilliseconds = expiresAtMilliseconds
    }

    /// The principal of every connection when authentication is off: all permissions, never expires.
    public static let anonymous = Principal(identity: "anonymous", permissions: .unrestricted)
}
