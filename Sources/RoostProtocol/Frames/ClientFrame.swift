/// Any frame a client sends.
public enum ClientFrame: Sendable, Equatable {
    /// The publish frame kind.
    case publish(PublishFrame)
    /// The publishBatch frame kind.
    case publishBatch(PublishBatchFrame)
    /// The subscribe frame kind.
    case subscribe(SubscribeFrame)
    /// The unsubscribe frame kind.
    case unsubscribe(UnsubscribeFrame)
    /// The ack frame kind.
    case ack(AckFrame)
    /// The nack frame kind.
    case nack(NackFrame)
    /// The credit frame kind.
    case credit(CreditFrame)
    /// The auth frame kind.
    case auth(AuthFrame)

    /// The frame's op.
    public var op: Op { knownOp.op }

    /// The request id, if the frame carries one (and so expects an `ok`).
    public var requestID: RequestID? {
        switch self {
        case .publish(let f): f.id
        case .publishBatch(let f): f.id
        case .subscribe(let f): f.id
        case .unsubscribe(let f): f.id
        case .ack(let f): f.id
        case .nack(let f): f.id
        case .credit: nil
        case .auth(let f): f.id
        }
    }

    var knownOp: KnownOp {
        switch self {
        case .publish: .publish
        case .publishBatch: .publishBatch
        case .subscribe: .subscribe
        case .unsubscribe: .unsubscribe
        case .ack: .ack
        case .nack: .nack
        case .credit: .credit
        case .auth: .auth
        }
    }
}
