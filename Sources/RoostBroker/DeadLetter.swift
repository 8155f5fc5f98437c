/// A message a consumer gives up on, on its way to the dead-letter topic.
struct DeadLetter: Sendable {
    /// Why, as written in the `roost-dlq-reason` header.
    enum Reason: String, Sendable {
        /// It was delivered `maxDeliveries` times without an ack.
        case maxDeliveries = "max_deliveries"
        /// A subscriber terminated it (`Subscription.terminate`).
        case terminated
    }

    var message: Message
    var deliveries: Int
    var reason: Reason
}
