/// The ops this version implements, as a small integer enum so the codecs dispatch with an integer
/// switch instead of string comparisons. The raw value is the binary encoding's op byte.
enum KnownOp: UInt8, CaseIterable {
    case publish = 0x01, publishBatch, subscribe, unsubscribe, ack, nack, credit, auth
    case ok = 0x81, message, messages, caughtUp, error

    /// The public op value.
    var op: Op {
        switch self {
        case .publish: .publish
        case .publishBatch: .publishBatch
        case .subscribe: .subscribe
        case .unsubscribe: .unsubscribe
        case .ack: .ack
        case .nack: .nack
        case .credit: .credit
        case .auth: .auth
        case .ok: .ok
        case .message: .message
        case .messages: .messages
        case .caughtUp: .caughtUp
        case .error: .error
        }
    }

    /// The JSON `op` name, for comparing against a frame's bytes without making a String.
    var jsonName: StaticString {
        switch self {
        case .publish: "publish"
        case .publishBatch: "publish_batch"
        case .subscribe: "subscribe"
        case .unsubscribe: "unsubscribe"
        case .ack: "ack"
        case .nack: "nack"
        case .credit: "credit"
        case .auth: "auth"
        case .ok: "ok"
        case .message: "message"
        case .messages: "messages"
        case .caughtUp: "caught_up"
        case .error: "error"
        }
    }

    init?(_ op: Op) {
        guard let known = KnownOp.allCases.first(where: { $0.op == op }) else { return nil }
        self = known
    }
}
