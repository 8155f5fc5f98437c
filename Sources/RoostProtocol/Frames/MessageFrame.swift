/// `message`: one delivery to a subscription.
public struct MessageFrame: Sendable, Equatable {
    /// The subscription it is for.
    public var sub: String
    /// The message.
    public var message: DeliveredMessage

    /// Creates a delivery.
    public init(sub: String, message: DeliveredMessage) {
        self.sub = sub
        self.message = message
    }
}
