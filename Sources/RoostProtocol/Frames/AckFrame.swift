/// `ack`: acknowledge the delivery of `offset` on `topic` (or, cumulatively, every delivery up to and
/// including it).
public struct AckFrame: Sendable, Equatable {
    /// Correlates the `ok` or `error`; `nil` for fire-and-forget (the usual case).
    public var id: RequestID?
    /// The subscription.
    public var sub: String
    /// The topic; required when the subscription is on a pattern, optional otherwise.
    public var topic: String?
    /// The acknowledged offset.
    public var offset: Int64
    /// Acknowledge every offset up to and including `offset`.
    public var cumulative: Bool

    /// Creates an ack.
    public init(id: RequestID? = nil, sub: String, topic: String? = nil, offset: Int64, cumulative: Bool = false) {
        self.id = id
        self.sub = sub
        self.topic = topic
        self.offset = offset
        self.cumulative = cumulative
    }
}
