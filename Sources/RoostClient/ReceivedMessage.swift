import NIOCore
import RoostProtocol

/// A message delivered to a subscription.
public struct ReceivedMessage: Sendable, Equatable {
    /// The topic it was published to.
    public var topic: String
    /// Its offset in the topic.
    public var offset: Int64
    /// Broker timestamp, ms since the epoch.
    public var timestamp: Int64
    /// The key bytes, if any.
    public var key: ByteBuffer?
    /// Headers, in the order published.
    public var headers: [Header]
    /// The payload bytes.
    public var data: ByteBuffer
    /// How many times it has been delivered to this consumer (more than 1: a redelivery).
    public var deliveries: Int
    /// The server's subscription id it came on; acks go there.
    let sub: String

    init(_ message: DeliveredMessage, sub: String) {
        self.topic = message.topic
        self.offset = message.offset
        self.timestamp = message.timestamp
        self.key = message.key
        self.headers = message.headers
        self.data = message.payload
        self.deliveries = Int(message.deliveries)
        self.sub = sub
    }

    /// The payload as a UTF-8 string (invalid bytes replaced).
    public var string: String { String(buffer: data) }

    /// The key as a UTF-8 string, if there is a key.
    public var keyString: String? { key.map { String(buffer: $0) } }
}

/// What a subscription yields.
public enum SubscriptionEvent: Sendable, Equatable {
    /// A delivered message.
    case message(ReceivedMessage)
    /// Replay of `topic` reached the tail (`offset` is the topic's next offset then); from here on
    /// messages are live. Once per topic per (re)subscription.
    case caughtUp(topic: String, offset: Int64)
}
