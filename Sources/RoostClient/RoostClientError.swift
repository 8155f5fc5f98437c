import RoostProtocol

/// An error from the Roost client: a stable `code` for programs and a human `message`.
///
/// A struct over a private enum, so new cases can be added without breaking users.
public struct RoostClientError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String, Hashable, Sendable {
        case invalidURL = "invalid_url"
        case connectFailed = "connect_failed"
        case handshakeFailed = "handshake_failed"
        case closed
        case server
        case tooManyPending = "too_many_pending"
        case unexpectedReply = "unexpected_reply"
        case subscriptionEnded = "subscription_ended"
    }

    private let kind: Kind
    /// A human description of what went wrong.
    public let message: String
    /// The broker's wire error code when the broker rejected the request (see Docs/protocol.md).
    public let serverCode: ErrorCode?

    private init(_ kind: Kind, _ message: String, serverCode: ErrorCode? = nil) {
        self.kind = kind
        self.message = message
        self.serverCode = serverCode
    }

    /// The stable code: `invalid_url`, `connect_failed`, `handshake_failed`, `closed`, `server`,
    /// `too_many_pending`, `unexpected_reply` or `subscription_ended`.
    public var code: String { kind.rawValue }

    /// "code: message", or the server code and message for broker rejections.
    public var description: String {
        if let serverCode { return "\(serverCode): \(message)" }
        return "\(code): \(message)"
    }

    /// The URL is not `ws://host[:port][/path]` or `wss://host[:port][/path]`.
    public static func invalidURL(_ url: String, _ why: String) -> Self { .init(.invalidURL, "\(why): '\(url)'") }
    /// TCP connect failed (nothing listening, refused, timed out).
    public static func connectFailed(_ why: String) -> Self { .init(.connectFailed, why) }
    /// The HTTP upgrade was refused or the server chose another subprotocol.
    public static func handshakeFailed(_ why: String) -> Self { .init(.handshakeFailed, why) }
    /// The client was closed before the request completed.
    public static let closed = Self(.closed, "the client is closed")
    /// The broker answered with an `error` frame.
    public static func server(_ code: ErrorCode, _ message: String) -> Self { .init(.server, message, serverCode: code) }
    /// More requests are waiting for a confirm than ``RoostClientConfiguration/maxPendingRequests``.
    public static func tooManyPending(_ limit: Int) -> Self {
        .init(.tooManyPending, "more than \(limit) requests are waiting for a confirm")
    }
    /// The broker's reply lacked a field the request needs (e.g. an `ok` for a publish without offset).
    public static func unexpectedReply(_ why: String) -> Self { .init(.unexpectedReply, why) }
    /// The subscription was closed (unsubscribed, or the client closed).
    public static let subscriptionEnded = Self(.subscriptionEnded, "the subscription has ended")

    /// Whether this is the broker's rejection with `code`.
    public func isServerError(_ code: ErrorCode) -> Bool { serverCode == code }
}
