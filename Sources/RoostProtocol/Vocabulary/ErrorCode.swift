/// A stable error code carried by `error` frames.
///
/// The registry: every code Roost can send is a static member here and a row in `ErrorCode.all`, with its
/// meaning and a default human message. Docs/protocol.md's error table is checked against `ErrorCode.all`
/// by a test. The names are part of the protocol: once released, a code is never renamed or reused.
/// An open vocabulary, so a client decodes codes from newer servers without failing.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code as it appears on the wire, e.g. `"topic_not_found"`.
    public let rawValue: String

    /// Wraps any code, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The code as it appears on the wire.
    public var description: String { rawValue }

    /// One registry row: the code, what it means, and the message sent when nothing more precise is known.
    public struct Info: Sendable {
        /// The code.
        public let code: ErrorCode
        /// One line: when this code is sent.
        public let meaning: String
        /// The default human message of an `error` frame with this code.
        public let defaultMessage: String
    }

    /// This code's registry row, or `nil` for a code this version does not know.
    public var info: Info? { ErrorCode.all.first { $0.code == self } }

    /// The default human message for this code (the code itself for unknown codes).
    public var defaultMessage: String { info?.defaultMessage ?? rawValue }

    /// The request is malformed in a way no more specific code covers.
    public static let badRequest = ErrorCode(rawValue: "bad_request")
    /// A JSON text frame is not valid JSON (RFC 8259), or nests deeper than the limit.
    public static let invalidJSON = ErrorCode(rawValue: "invalid_json")
    /// A binary frame is truncated, has trailing bytes, unknown flag bits or an impossible length.
    public static let malformedFrame = ErrorCode(rawValue: "malformed_frame")
    /// The op is missing from the frame's vocabulary, or is a server op sent by a client.
    public static let unknownOp = ErrorCode(rawValue: "unknown_op")
    /// A required field is absent.
    public static let missingField = ErrorCode(rawValue: "missing_field")
    /// A field has the wrong type or a value out of range.
    public static let invalidField = ErrorCode(rawValue: "invalid_field")
    /// A topic name or pattern breaks the naming rules.
    public static let invalidTopic = ErrorCode(rawValue: "invalid_topic")
    /// The topic does not exist and is not created on demand.
    public static let topicNotFound = ErrorCode(rawValue: "topic_not_found")
    /// The topic to create already exists.
    public static let topicExists = ErrorCode(rawValue: "topic_exists")
    /// A message's payload, key and headers exceed the maximum message size.
    public static let messageTooLarge = ErrorCode(rawValue: "message_too_large")
    /// A publish batch holds more messages or bytes than allowed.
    public static let batchTooLarge = ErrorCode(rawValue: "batch_too_large")
    /// The `sub` named by an ack, nack, credit or unsubscribe is not open on this connection.
    public static let unknownSubscription = ErrorCode(rawValue: "unknown_subscription")
    /// The connection already has the maximum number of subscriptions.
    public static let tooManySubscriptions = ErrorCode(rawValue: "too_many_subscriptions")
    /// The named durable consumer does not exist where one is required.
    public static let consumerNotFound = ErrorCode(rawValue: "consumer_not_found")
    /// The durable consumer is attached with incompatible settings, or cannot take another member.
    public static let consumerBusy = ErrorCode(rawValue: "consumer_busy")
    /// The requested start offset or acked offset is outside the topic's stored range.
    public static let offsetOutOfRange = ErrorCode(rawValue: "offset_out_of_range")
    /// The log cannot store or read right now (disk full, I/O error); retry later.
    public static let storageUnavailable = ErrorCode(rawValue: "storage_unavailable")
    /// Messages a subscription would have received are damaged on disk and were skipped (sent without `id`;
    /// the subscription goes on). The message names the `sub`, the topic and the offsets.
    public static let dataLoss = ErrorCode(rawValue: "data_loss")
    /// The connection is not authenticated.
    public static let unauthorized = ErrorCode(rawValue: "unauthorized")
    /// The connection's credential (a JWT) has expired; it is closed with 1008 unless it re-authenticates.
    public static let tokenExpired = ErrorCode(rawValue: "token_expired")
    /// The connection is authenticated but not allowed to do this.
    public static let forbidden = ErrorCode(rawValue: "forbidden")
    /// The client sends faster than allowed; slow down and retry.
    public static let rateLimited = ErrorCode(rawValue: "rate_limited")
    /// An `auth` frame's token already holds the most connections allowed for one token.
    public static let tooManyConnections = ErrorCode(rawValue: "too_many_connections")
    /// The server is shutting down and accepts no new work.
    public static let shuttingDown = ErrorCode(rawValue: "shutting_down")
    /// An unexpected server-side failure; the request may or may not have taken effect.
    public static let `internal` = ErrorCode(rawValue: "internal")

    /// The registry, in documentation order.
    public static let all: [Info] = [
        Info(code: .badRequest, meaning: "The request is malformed in a way no more specific code covers.",
             defaultMessage: "bad request"),
        Info(code: .invalidJSON, meaning: "A text frame is not valid JSON (RFC 8259) or nests deeper than the limit.",
             defaultMessage: "invalid JSON"),
        Info(code: .malformedFrame, meaning: "A binary frame is truncated, has trailing bytes, unknown flag bits or an impossible length.",
             defaultMessage: "malformed binary frame"),
        Info(code: .unknownOp, meaning: "The op is not a client request this server knows.",
             defaultMessage: "unknown op"),
        Info(code: .missingField, meaning: "A required field is absent.",
             defaultMessage: "missing field"),
        Info(code: .invalidField, meaning: "A field has the wrong type or a value out of range.",
             defaultMessage: "invalid field"),
        Info(code: .invalidTopic, meaning: "A topic name or pattern breaks the naming rules.",
             defaultMessage: "invalid topic name"),
        Info(code: .topicNotFound, meaning: "The topic does not exist and is not created on demand.",
             defaultMessage: "topic does not exist"),
        Info(code: .topicExists, meaning: "The topic to create already exists.",
             defaultMessage: "topic already exists"),
        Info(code: .messageTooLarge, meaning: "A message's payload, key and headers exceed the maximum message size.",
             defaultMessage: "message too large"),
        Info(code: .batchTooLarge, meaning: "A publish batch holds more messages or bytes than allowed.",
             defaultMessage: "batch too large"),
        Info(code: .unknownSubscription, meaning: "The sub named by an ack, nack, credit or unsubscribe is not open on this connection.",
             defaultMessage: "unknown subscription"),
        Info(code: .tooManySubscriptions, meaning: "The connection already has the maximum number of subscriptions.",
             defaultMessage: "too many subscriptions on this connection"),
        Info(code: .consumerNotFound, meaning: "The named durable consumer does not exist where one is required.",
             defaultMessage: "consumer does not exist"),
        Info(code: .consumerBusy, meaning: "The durable consumer is attached with incompatible settings or cannot take another member.",
             defaultMessage: "consumer is busy"),
        Info(code: .offsetOutOfRange, meaning: "The start or acked offset is outside the topic's stored range.",
             defaultMessage: "offset out of range"),
        Info(code: .storageUnavailable, meaning: "The log cannot store or read right now (disk full, I/O error); retry later.",
             defaultMessage: "storage unavailable"),
        Info(code: .dataLoss, meaning: "Messages of a subscription are damaged on disk and were skipped; the subscription goes on (no id; the message names sub, topic and offsets).",
             defaultMessage: "messages damaged on disk were skipped"),
        Info(code: .unauthorized, meaning: "The token is not accepted, or the connection has not authenticated yet and sent something other than auth.",
             defaultMessage: "unauthorized"),
        Info(code: .tokenExpired, meaning: "The connection's token has expired; the connection is closed with 1008 unless it re-authenticates.",
             defaultMessage: "token expired"),
        Info(code: .forbidden, meaning: "The connection is authenticated but not allowed to do this.",
             defaultMessage: "forbidden"),
        Info(code: .rateLimited, meaning: "The client sends faster than allowed; slow down and retry.",
             defaultMessage: "rate limited"),
        Info(code: .tooManyConnections, meaning: "An auth frame's token already holds the most connections allowed for one token; the connection keeps its credential.",
             defaultMessage: "too many connections for this token"),
        Info(code: .shuttingDown, meaning: "The server is shutting down and accepts no new work.",
             defaultMessage: "server is shutting down"),
        Info(code: .internal, meaning: "An unexpected server-side failure; the request may or may not have taken effect.",
             defaultMessage: "internal error"),
    ]
}
