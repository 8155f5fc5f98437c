import NIOCore

/// A stored message as delivered: the part of a `message` frame (and of each `messages` element) that is
/// the same for every subscriber, and so is encoded once (see `EncodedDelivery`).
public struct DeliveredMessage: Sendable, Equatable {
    /// The topic it was published to.
    public var topic: String
    /// Its offset in the topic.
    public var offset: Int64
    /// Broker timestamp, ms since the epoch.
    public var timestamp: Int64
    /// The key bytes, if any.
    public var key: ByteBuffer?
    /// Headers in the order published.
    public var headers: [Header]
    /// The payload bytes.
    public var payload: ByteBuffer
    /// How many times this message has been delivered to this consumer, counting this delivery;
    /// sent only when greater than 1 (a redelivery).
    public var deliveries: UInt32

    /// Creates a delivered message.
    public init(
        topic: String, offset: Int64, timestamp: Int64, key: ByteBuffer? = nil, headers: [Header] = [],
        payload: ByteBuffer, deliveries: UInt32 = 1
    ) {
        self.topic = topic
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.headers = headers
        self.payload = payload
        self.deliveries = deliveries
    }
}
