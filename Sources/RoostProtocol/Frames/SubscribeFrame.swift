/// `subscribe`: open a subscription on a topic or pattern. Answered by `ok` with the server-chosen `sub`,
/// then `message` / `messages` frames and a `caught_up` marker per topic when replay reaches the tail.
///
/// Optional settings are kept optional (`nil` = absent on the wire) so that the server applies its
/// documented defaults, and a frame round-trips exactly.
public struct SubscribeFrame: Sendable, Equatable {
    /// Correlates the `ok` (which carries `sub`) or `error`. Required.
    public var id: RequestID
    /// A topic name, or a pattern with `*` (one token) and `>` (one or more trailing tokens).
    public var topic: String
    /// A durable consumer name; `nil` for an ephemeral subscription.
    public var consumer: String?
    /// Where a new consumer starts; server default: `latest`.
    public var from: StartPosition?
    /// The ack policy; server default: `none`.
    public var ack: AckPolicy?
    /// Most unacknowledged deliveries at once (explicit acks) or credit window; server default applies.
    public var maxInflight: UInt32?
    /// Most messages per delivery frame; absent or 1 = one `message` frame per message.
    public var batch: UInt32?
    /// How long an explicit-ack delivery may stay unacked before redelivery, in ms.
    public var ackWaitMilliseconds: UInt64?
    /// After this many deliveries a message goes to the dead-letter topic.
    public var maxDeliveries: UInt32?
    /// Ack policy none: the subscriber manages credit. The subscription starts with this much credit (at most
    /// `maxInflight`) and gets more only from `credit` frames, which the subscriber sends as its application
    /// consumes; the server then does not give credit back as it writes. This is what bounds a client's
    /// buffer by `maxInflight`. `nil` (the default, for clients without a library): the server gives credit
    /// back as it writes. Ignored with explicit acks, where acks return credit.
    public var credit: UInt32?

    /// Creates a subscribe request.
    public init(
        id: RequestID, topic: String, consumer: String? = nil, from: StartPosition? = nil, ack: AckPolicy? = nil,
        maxInflight: UInt32? = nil, batch: UInt32? = nil, ackWaitMilliseconds: UInt64? = nil,
        maxDeliveries: UInt32? = nil, credit: UInt32? = nil
    ) {
        self.id = id
        self.topic = topic
        self.consumer = consumer
        self.from = from
        self.ack = ack
        self.maxInflight = maxInflight
        self.batch = batch
        self.ackWaitMilliseconds = ackWaitMilliseconds
        self.maxDeliveries = maxDeliveries
        self.credit = credit
    }
}
