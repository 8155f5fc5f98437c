/// The broker's confirm of a publish: where the message (or the first of a batch) was stored.
public struct PublishConfirm: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The offset of the message, or of the first message of a batch.
    public var offset: Int64
    /// How many messages were stored (1 for a single publish).
    public var count: Int
    /// The broker timestamp given to the message(s), ms since the epoch.
    public var timestamp: Int64
    /// Whether the message was on disk (fdatasync'ed) when the broker confirmed it.
    public var durable: Bool

    /// Creates a confirm.
    public init(topic: String, offset: Int64, count: Int, timestamp: Int64, durable: Bool) {
        self.topic = topic
        self.offset = offset
        self.count = count
        self.timestamp = timestamp
        self.durable = durable
    }
}
