/// `caught_up`: the subscription has delivered everything stored in `topic` up to `offset` (the next
/// offset to be written) and is now live on it. Sent each time the subscription reaches the tail of the
/// topic: after its replay, and again after falling behind and catching up.
public struct CaughtUpFrame: Sendable, Equatable {
    /// The subscription.
    public var sub: String
    /// The topic that reached its tail.
    public var topic: String
    /// The topic's next offset when the subscription caught up.
    public var offset: Int64

    /// Creates a caught-up marker.
    public init(sub: String, topic: String, offset: Int64) {
        self.sub = sub
        self.topic = topic
        self.offset = offset
    }
}
