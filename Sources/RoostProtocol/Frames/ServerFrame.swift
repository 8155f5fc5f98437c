/// Any frame a server sends.
public enum ServerFrame: Sendable, Equatable {
    /// The ok frame kind.
    case ok(OKFrame)
    /// The message frame kind.
    case message(MessageFrame)
    /// The messages frame kind.
    case messages(MessagesFrame)
    /// The caughtUp frame kind.
    case caughtUp(CaughtUpFrame)
    /// The error frame kind.
    case error(ErrorFrame)

    /// The frame's op.
    public var op: Op { knownOp.op }

    var knownOp: KnownOp {
        switch self {
        case .ok: .ok
        case .message: .message
        case .messages: .messages
        case .caughtUp: .caughtUp
        case .error: .error
        }
    }
}
