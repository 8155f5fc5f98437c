/// `publish_batch`: append several messages to one topic as one log batch. Confirmed by one `ok` with the
/// first offset and the count; the messages get offsets `offset ..< offset + count`, in order.
public struct PublishBatchFrame: Sendable, Equatable {
    /// Correlates the `ok` or `error`; `nil` for fire-and-forget.
    public var id: RequestID?
    /// The topic name (no wildcards).
    public var topic: String
    /// The messages, in order; never empty once decoded.
    public var messages: [PublishEntry]

    /// Creates a batch publish request.
    public init(id: RequestID? = nil, topic: String, messages: [PublishEntry]) {
        self.id = id
        self.topic = topic
        self.messages = messages
    }
}
