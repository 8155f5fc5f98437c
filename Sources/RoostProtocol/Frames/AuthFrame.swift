/// `auth`: (re-)authenticates the connection with a bearer token (a static token or a JWT). Answered with `ok`,
/// or `error` `unauthorized` / `token_expired`. Sent before a JWT expires, it replaces the connection's
/// credential and permissions without reconnecting.
public struct AuthFrame: Sendable, Equatable {
    /// Request id; echoed in the `ok` or `error`.
    public var id: RequestID?
    /// The bearer token.
    public var token: String

    /// Creates an auth request.
    public init(id: RequestID? = nil, token: String) {
        self.id = id
        self.token = token
    }
}
