/// Why a credential was not accepted, or a request not allowed. A struct over a private enum so that reasons can be
/// added; ``code`` is the stable wire code (`unauthorized`, `forbidden`, `token_expired`) and ``message`` a human
/// sentence that never says whether a topic exists.
public struct AuthenticationError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Reason: Sendable, Equatable {
        case missingToken
        case unknownToken
        case malformedToken
        case badSignature
        case expired
        case notYetValid
        case wrongIssuer
        case wrongAudience
        case badPermissions(String)
        case forbidden(String)
    }

    private let reason: Reason

    private init(_ reason: Reason) {
        self.reason = reason
    }

    /// No token was given where one is required.
    public static let missingToken = AuthenticationError(.missingToken)
    /// A token that matches no static token and is not a JWT.
    public static let unknownToken = AuthenticationError(.unknownToken)
    /// A JWT that cannot be parsed, or names an algorithm or key that is not configured.
    public static let malformedToken = AuthenticationError(.malformedToken)
    /// A JWT whose signature does not verify with the configured keys.
    public static let badSignature = AuthenticationError(.badSignature)
    /// A JWT past its `exp`, or a connection whose credential expired.
    public static let expired = AuthenticationError(.expired)
    /// A JWT before its `nbf`.
    public static let notYetValid = AuthenticationError(.notYetValid)
    /// A JWT whose `iss` is not the configured issuer.
    public static let wrongIssuer = AuthenticationError(.wrongIssuer)
    /// A JWT whose `aud` does not include the configured audience.
    public static let wrongAudience = AuthenticationError(.wrongAudience)

    /// A JWT whose permissions claim is malformed.
    public static func badPermissions(_ detail: String) -> AuthenticationError {
        AuthenticationError(.badPermissions(detail))
    }

    /// An authenticated principal asked for something it is not granted; `action` says what, in words that do
    /// not reveal whether the topic exists ("publish to 'x'").
    public static func forbidden(_ action: String) -> AuthenticationError {
        AuthenticationError(.forbidden(action))
    }

    /// The stable wire code: `token_expired` for an expired credential, `forbidden` for a denied request,
    /// `unauthorized` for every other failure (the client learns only that its credential was not accepted).
    public var code: String {
        switch self.reason {
        case .expired: "token_expired"
        case .forbidden: "forbidden"
        default: "unauthorized"
        }
    }

    /// Whether this is a denial of an authenticated principal (HTTP 403) rather than a missing or rejected
    /// credential (HTTP 401).
    public var isForbidden: Bool {
        if case .forbidden = self.reason { return true }
        return false
    }

    /// A human sentence for the error frame or HTTP body.
    public var message: String {
        switch self.reason {
        case .missingToken: "authentication required: give a token (Authorization: Bearer, ?token=, or an auth frame)"
        case .unknownToken: "token not accepted"
        case .malformedToken: "token not accepted: not a valid JWT for this server"
        case .badSignature: "token not accepted: signature does not verify"
        case .expired: "token expired"
        case .notYetValid: "token not accepted: not valid yet (nbf)"
        case .wrongIssuer: "token not accepted: wrong issuer"
        case .wrongAudience: "token not accepted: wrong audience"
        case .badPermissions(let detail): "token not accepted: bad permissions claim: \(detail)"
        case .forbidden(let action): "not allowed to \(action)"
        }
    }

    /// The message.
    public var description: String { self.message }
}
