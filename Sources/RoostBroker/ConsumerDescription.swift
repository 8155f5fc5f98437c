/// A consumer as an operator sees it (admin API, `roost consumers describe`).
public struct ConsumerDescription: Sendable, Hashable {
    /// Position in one topic.
    public struct TopicPosition: Sendable, Hashable {
        public var topic: String
        /// Every offset below it is acked.
        public var ackFloor: Int64
        /// The next offset to be delivered for the first time.
        public var nextOffset: Int64
        /// The topic's end offset (next to be written).
        public var endOffset: Int64
        /// Delivered and waiting for an ack.
        public var inFlight: Int
        /// Delivered and not acked: in flight, waiting for redelivery or being dead-lettered.
        public var unacked: Int
        /// `endOffset - ackFloor`: what the consumer still has to get through.
        public var lag: Int64
    }

    public var name: String
    public var durable: Bool
    /// Topic name or pattern.
    public var filter: String
    public var ackPolicy: AckPolicy
    public var ackWaitMilliseconds: Int64
    public var maxDeliveries: Int?
    /// Attached subscriptions.
    public var members: Int
    /// ms since the epoch.
    public var createdAt: Int64
    public var topics: [TopicPosition]

    /// Sum of the per-topic lags.
    public var lag: Int64 { topics.reduce(0) { $0 + $1.lag } }
}
