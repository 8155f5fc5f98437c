/// `nack`: the subscriber could not process `offset`; redeliver it (after `delayMilliseconds`, if given).
public struct NackFrame: Sendable, Equatable {
    /// Correlates the `ok` or `error`; `nil` for fire-and-forget.
    public var id: RequestID?
    /// The subscription.
    public var sub: String
    /// The topic; required when the subscription is on a pattern, optional otherwise.
    public var topic: String?
    /// The rejected offset.
    public var offset: Int64
    /// Wait this long before redelivering, in ms; `nil` = redeliver as soon as possible.
    public var delayMilliseconds: UInt64?

    /// Creates a nack.
    public init(id: RequestID? = nil, sub: String, topic: String? = nil, offset: Int64, delayMilliseconds: UInt64? = nil) {
        self.id = id
        self.sub = sub
        self.topic = topic
        self.offset = offset
        self.delayMilliseconds = delayMilliseconds
    }
}
