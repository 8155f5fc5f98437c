/// The operation of a frame: the JSON `op` field, and the first byte of a binary frame.
///
/// An open vocabulary: any string decodes into an `Op`, so an op this version does not know becomes an
/// `unknown_op` error reply instead of a crash, and later versions can add ops without breaking this type.
public struct Op: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The JSON name of the op, e.g. `"publish"`.
    public let rawValue: String

    /// Wraps any op name, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The op's name as it appears on the wire.
    public var description: String { rawValue }

    // Client to server.
    /// Publish one message to a topic.
    public static let publish = Op(rawValue: "publish")
    /// Publish several messages to one topic, confirmed together.
    public static let publishBatch = Op(rawValue: "publish_batch")
    /// Open a subscription on a topic or pattern.
    public static let subscribe = Op(rawValue: "subscribe")
    /// Close a subscription.
    public static let unsubscribe = Op(rawValue: "unsubscribe")
    /// Acknowledge a delivered message (or every message up to it, cumulatively).
    public static let ack = Op(rawValue: "ack")
    /// Negatively acknowledge a delivered message: redeliver it, optionally after a delay.
    public static let nack = Op(rawValue: "nack")
    /// Grant a subscription more in-flight messages.
    public static let credit = Op(rawValue: "credit")
    /// Authenticate the connection (again) with a bearer token.
    public static let auth = Op(rawValue: "auth")

    // Server to client.
    /// Confirms a request that carried an `id`.
    public static let ok = Op(rawValue: "ok")
    /// Delivers one message to a subscription.
    public static let message = Op(rawValue: "message")
    /// Delivers several messages to a subscription in one frame.
    public static let messages = Op(rawValue: "messages")
    /// Tells a subscription that it has reached the live tail of a topic.
    public static let caughtUp = Op(rawValue: "caught_up")
    /// Rejects a request, or reports a problem with a fire-and-forget request.
    public static let error = Op(rawValue: "error")

    /// The binary encoding's op byte, or `nil` for an op this version does not know.
    public var binaryCode: UInt8? {
        KnownOp(self)?.rawValue
    }

    /// The op for a binary op byte; an unknown byte gives an op named `"0x.."` that no codec accepts.
    public init(binaryCode: UInt8) {
        // Client ops are 0x01-0x7F, server ops 0x81-0xFF (Docs/protocol.md, "Binary encoding").
        self = KnownOp(rawValue: binaryCode)?.op ?? Op(rawValue: "0x" + String(binaryCode, radix: 16))
    }
}
