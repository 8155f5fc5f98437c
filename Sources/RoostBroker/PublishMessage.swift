import NIOCore
import RoostStorage

/// A message as a publisher hands it to the broker.
public struct PublishMessage: Sendable, Equatable {
    public var key: ByteBuffer?
    public var headers: [RecordHeader]
    public var payload: ByteBuffer
    /// Idempotency key: a second publish with the same id within the dedup window is not appended again and
    /// gets the original offset. Stored as the record header `roost-dedup-id`.
    public var dedupId: String?

    public init(key: ByteBuffer? = nil, headers: [RecordHeader] = [], payload: ByteBuffer, dedupId: String? = nil) {
        self.key = key
        self.headers = headers
        self.payload = payload
        self.dedupId = dedupId
    }

    /// Bytes counted against `maxMessageBytes`: key, payload, header names and values, dedup id.
    var sizeInBytes: Int {
        var bytes = payload.readableBytes + (key?.readableBytes ?? 0) + (dedupId?.utf8.count ?? 0)
        for header in headers { bytes += header.name.utf8.count + header.value.utf8.count }
        return bytes
    }
}

/// Where one published message landed.
public struct PublishedMessage: Sendable, Hashable {
    public var offset: Int64
    /// Broker timestamp, ms since the epoch.
    public var timestamp: Int64
    /// `true` when the dedup id was seen before: nothing was appended and `offset` is the original one.
    public var duplicate: Bool
}

/// The acknowledgement of a publish call, one entry per message in call order.
public struct PublishConfirm: Sendable, Hashable {
    public var topic: String
    public var messages: [PublishedMessage]
    /// `true` when the appended records were fdatasync'ed before this confirm (fsync policy `always`).
    public var durable: Bool
}

/// Header names the broker writes.
public enum BrokerHeaders {
    /// The dedup id of a published message: broker-internal (it rebuilds the dedup table from the log after a
    /// restart), so it is never delivered as a user header, and a publish may not set it as one.
    public static let dedupId = "roost-dedup-id"

    /// `headers` without the broker-internal ones (the dedup id), for delivery. Returns the same array, without
    /// copying, when there is nothing to remove (the common case).
    public static func userHeaders(_ headers: [RecordHeader]) -> [RecordHeader] {
        guard headers.contains(where: { $0.name == dedupId }) else { return headers }
        return headers.filter { $0.name != dedupId }
    }
    /// On a dead letter: the topic the message came from.
    public static let deadLetterTopic = "roost-dlq-topic"
    /// On a dead letter: its offset there.
    public static let deadLetterOffset = "roost-dlq-offset"
    /// On a dead letter: the consumer that gave up on it.
    public static let deadLetterConsumer = "roost-dlq-consumer"
    /// On a dead letter: why (`max_deliveries`, or `terminated` by a subscriber).
    public static let deadLetterReason = "roost-dlq-reason"
    /// On a dead letter: how many times it was delivered.
    public static let deadLetterDeliveries = "roost-dlq-deliveries"
}
