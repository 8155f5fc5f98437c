/// `messages`: several deliveries to one subscription in one frame (the subscription asked for
/// `batch` > 1). Ordered as a run of `message` frames would be.
public struct MessagesFrame: Sendable, Equatable {
    /// The subscription they are for.
    public var sub: String
    /// The messages, in delivery order.
    public var messages: [DeliveredMessage]

    /// Creates a batched delivery.
    public init(sub: String, messages: [DeliveredMessage]) {
        self.sub = sub
        self.messages = messages
    }
}
