import RoostProtocol

/// What to subscribe to and how.
public struct SubscriptionOptions: Sendable, Hashable {
    /// A topic name or a pattern (`*` one token, `>` one or more trailing tokens).
    public var topic: String
    /// A durable consumer name: the broker keeps its position across disconnects and restarts, and
    /// subscriptions naming the same consumer share its messages. `nil` = ephemeral.
    public var consumer: String?
    /// Where a new consumer starts. Default `.latest` (the broker's default).
    public var from: StartPosition
    /// `.none`: delivered means done. `.explicit`: ack each message (or cumulatively); unacked ones are
    /// redelivered. Default `.none`.
    public var ack: AckPolicy
    /// Most messages on their way to this subscription at once, which also bounds the client's buffer.
    /// Default 1,000.
    public var maxInflight: Int
    /// Most messages the broker packs into one frame. Default 64: batched delivery is far cheaper per
    /// message, and the client hands a whole frame to the sequence under one lock.
    public var batch: Int
    /// Explicit acks: redeliver after this long without an ack; `nil` = the broker's default.
    public var ackWait: Duration?
    /// After this many deliveries a message goes to the dead-letter topic; `nil` = the broker's default.
    public var maxDeliveries: Int?

    /// Creates options; see each field for its default.
    public init(
        topic: String, consumer: String? = nil, from: StartPosition = .latest, ack: AckPolicy = .none,
        maxInflight: Int = 1_000, batch: Int = 64, ackWait: Duration? = nil, maxDeliveries: Int? = nil
    ) {
        self.topic = topic
        self.consumer = consumer
        self.from = from
        self.ack = ack
        self.maxInflight = maxInflight
        self.batch = batch
        self.ackWait = ackWait
        self.maxDeliveries = maxDeliveries
    }

    func frame(id: RequestID, from override: StartPosition?, credit: Int? = nil) -> SubscribeFrame {
        SubscribeFrame(
            id: id, topic: topic, consumer: consumer, from: override ?? from, ack: ack,
            maxInflight: UInt32(clamping: max(1, maxInflight)), batch: UInt32(clamping: max(1, batch)),
            ackWaitMilliseconds: ackWait.map { UInt64(max(0, $0.seconds * 1000)) },
            maxDeliveries: maxDeliveries.map { UInt32(clamping: max(1, $0)) }, credit: credit.map { UInt32(clamping: $0) })
    }
}
