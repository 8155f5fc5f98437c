/// Where a new consumer starts. Applies when the consumer is created; a durable consumer that exists
/// resumes at its ack floor and ignores it.
public enum StartPosition: Sendable, Hashable, Codable {
    /// The first retained message.
    case earliest
    /// Only messages published after the subscription.
    case latest
    /// This offset (clamped into the retained range).
    case offset(Int64)
    /// The first message with a timestamp at or after this one, ms since the epoch (uses the time index).
    case time(Int64)
}

/// Whether the consumer acknowledges messages.
public enum AckPolicy: String, Sendable, Hashable, Codable {
    /// Delivered means done: the cursor moves on delivery; flow control is by credit (`grantCredit`).
    case none
    /// Each message is in flight until acked; unacked ones are redelivered after `ackWait`.
    case explicit
}

/// What a subscriber asks for.
public struct SubscriptionRequest: Sendable, Hashable {
    /// A topic name or a pattern (`orders.*`, `orders.>`). Topics created later that match are picked up.
    public var filter: String
    /// Durable consumer name, or `nil` for an ephemeral consumer that ends with the subscription.
    public var consumer: String?
    public var start: StartPosition
    public var ackPolicy: AckPolicy
    /// How long a delivered message may stay unacked before it is redelivered, ms. Default 30 s.
    public var ackWaitMilliseconds: Int64
    /// Deliveries after which an unacked message goes to the dead-letter topic. `nil`: retry forever. Default 5.
    public var maxDeliveries: Int?
    /// Messages that may be delivered and not yet acked (explicit) or not yet credited back (none) for this
    /// subscription. Bounds its memory. Default 1,000.
    public var maxInFlight: Int
    /// Credit the subscription starts with (capped at `maxInFlight`); `nil` = `maxInFlight`. A subscriber
    /// that still holds messages from an earlier subscription asks for less, so that what it holds plus what
    /// may come stays within its window.
    public var initialCredit: Int?

    public init(
        filter: String,
        consumer: String? = nil,
        start: StartPosition = .latest,
        ackPolicy: AckPolicy = .none,
        ackWaitMilliseconds: Int64 = 30_000,
        maxDeliveries: Int? = 5,
        maxInFlight: Int = 1_000,
        initialCredit: Int? = nil
    ) {
        self.filter = filter
        self.consumer = consumer
        self.start = start
        self.ackPolicy = ackPolicy
        self.ackWaitMilliseconds = ackWaitMilliseconds
        self.maxDeliveries = maxDeliveries
        self.maxInFlight = maxInFlight
        self.initialCredit = initialCredit
    }
}
