import NIOCore

/// Consecutive first deliveries of one topic as a run encoder reads them: field by field, where they are stored, so
/// that encoding a run copies each payload once (into the run's buffer) and builds no ``DeliveredMessage`` (topic,
/// header array, buffer references) per message. The server implements it over a block of stored records.
public protocol DeliveryRunSource {
    /// The topic of every message of the run.
    var topic: String { get }
    /// How many messages the run holds.
    var count: Int { get }
    /// The fields of message `index` (`0..<count`).
    func fields(at index: Int) -> DeliveryFields
}

extension DeliveryRunSource {
    /// The expected size of the run's encoding, for one allocation: payloads (the first few, scaled to the run) plus
    /// `overhead` per message.
    func expectedRunBytes(overhead: Int) -> Int {
        let sampled = min(count, 8)
        guard sampled > 0 else { return 0 }
        var payloads = 0
        for index in 0..<sampled { payloads += fields(at: index).payload.readableBytes }
        return payloads / sampled * count + count * overhead
    }
}

/// One message of a ``DeliveryRunSource``: a ``DeliveredMessage`` without the topic (the run's) and the delivery
/// count (1: a run holds first deliveries only).
public struct DeliveryFields {
    /// Its offset in the topic.
    public var offset: Int64
    /// Broker timestamp, ms since the epoch.
    public var timestamp: Int64
    /// The key bytes, if any.
    public var key: ByteBuffer?
    /// Headers in the order published (what subscribers see).
    public var headers: [Header]
    /// The payload bytes.
    public var payload: ByteBuffer

    /// Creates the fields of one message.
    public init(offset: Int64, timestamp: Int64, key: ByteBuffer?, headers: [Header], payload: ByteBuffer) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.headers = headers
        self.payload = payload
    }
}

/// A ``DeliveryRunSource`` over delivered messages (tests, and codecs' reference path).
public struct DeliveredMessageRun: DeliveryRunSource {
    /// The messages; all of `topic`.
    public let messages: [DeliveredMessage]
    /// The topic of every message.
    public let topic: String
    /// `messages.count`.
    public var count: Int { messages.count }

    /// Wraps `messages`, which must all be of one topic and first deliveries.
    public init(topic: String, messages: [DeliveredMessage]) {
        self.topic = topic
        self.messages = messages
    }

    /// The fields of `messages[index]`.
    public func fields(at index: Int) -> DeliveryFields {
        let message = messages[index]
        return DeliveryFields(
            offset: message.offset, timestamp: message.timestamp, key: message.key, headers: message.headers, payload: message.payload)
    }
}
