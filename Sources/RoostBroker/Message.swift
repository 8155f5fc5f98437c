import NIOCore
import RoostStorage
import Synchronization

/// Identifies one encoding of a message in `Message`'s cache (for example the server's JSON and binary
/// frames). The values are the server's to choose.
public struct MessageEncodingKey: Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
}

/// A stored message as the broker hands it to subscribers. One instance is shared by reference by every
/// subscription that receives the same live message, so the server can encode it once (`encoded(as:_:)`)
/// and write the same bytes to every socket. Immutable apart from its encoding cache; thread-safe.
public final class Message: Sendable {
    /// The topic the message was published to.
    public let topic: String
    /// Offset, timestamp, key, headers and payload as stored in the log (kept once, in the block).
    public var record: StoredRecord { block.records[index] }
    /// The offset of the message in its topic.
    public let offset: Int64
    /// The messages made together with this one (one append or one read); see ``MessageBlock``.
    public let block: MessageBlock
    /// This message's index in `block.records`.
    public let index: Int
    private let cache: Mutex<[(MessageEncodingKey, ByteBuffer)]>

    /// Bytes of key, payload and headers: what the message costs in memory, roughly. Computed once: the tail
    /// cache adds and subtracts it for every message (header names and values are Strings, whose UTF-8 counts
    /// are not free).
    public let sizeInBytes: Int

    /// Wraps a record of `topic`, alone in its block. Appends and reads use ``MessageBlock/messages(topic:records:)``.
    public convenience init(topic: String, record: StoredRecord) {
        self.init(block: MessageBlock(topic: topic, records: [record]), index: 0)
    }

    init(block: MessageBlock, index: Int) {
        let record = block.records[index]
        self.topic = block.topic
        self.offset = record.offset
        self.block = block
        self.index = index
        self.cache = Mutex([])
        var bytes = record.value.readableBytes + (record.key?.readableBytes ?? 0)
        for header in record.headers { bytes += header.name.utf8.count + header.value.utf8.count }
        self.sizeInBytes = bytes
    }

    /// Returns the cached encoding for `key`, calling `encode` to make it the first time only. Concurrent
    /// callers for the same key wait for the first one, so `encode` runs once per message and key.
    public func encoded(as key: MessageEncodingKey, _ encode: (Message) -> ByteBuffer) -> ByteBuffer {
        cache.withLock { slots in
            if let hit = slots.first(where: { $0.0 == key }) { return hit.1 }
            let bytes = encode(self)
            slots.append((key, bytes))
            return bytes
        }
    }
}

/// One message on its way to one subscription.
public struct Delivery: Sendable {
    /// The shared message (same instance for every live subscriber of this message).
    public let message: Message
    /// 1 on the first delivery to this consumer, more on redeliveries.
    public let deliveryCount: Int

    /// The `deliveryCount`th delivery of `message` (1 for a first delivery).
    public init(message: Message, deliveryCount: Int) {
        self.message = message
        self.deliveryCount = deliveryCount
    }

    /// Whether the consumer had been given this message before (by this or another member).
    public var redelivered: Bool { deliveryCount > 1 }
    /// Shorthand for `message.topic`.
    public var topic: String { message.topic }
    /// Shorthand for `message.offset`.
    public var offset: Int64 { message.offset }
}

/// Why a subscription ended.
public struct SubscriptionCloseReason: Hashable, Sendable, CustomStringConvertible {
    fileprivate enum Base: String, Hashable, Sendable {
        case unsubscribed, consumerDeleted = "consumer_deleted", shutdown
    }
    fileprivate let base: Base

    /// `Subscription.close()` was called.
    public static let unsubscribed = SubscriptionCloseReason(base: .unsubscribed)
    /// An operator deleted the durable consumer.
    public static let consumerDeleted = SubscriptionCloseReason(base: .consumerDeleted)
    /// The broker shut down.
    public static let shutdown = SubscriptionCloseReason(base: .shutdown)

    public var description: String { base.rawValue }
}

/// Where the broker delivers a subscription's messages; the server implements it per subscription.
///
/// All three methods are called from a broker thread (one of the reader queues), never concurrently for
/// the same subscription, and must not block: hand the work to the connection's event loop.
public protocol DeliverySink: Sendable {
    /// A batch of messages in offset order per topic (redeliveries first), as runs (see ``DeliveryBatch``). The
    /// broker calls this once with everything that is ready and within credit, never once per message when several
    /// are ready.
    func deliver(_ deliveries: DeliveryBatch)
    /// The subscription has received everything `topic` holds up to (excluding) `offset`: from now on it is
    /// served live. Sent once each time the subscription reaches the tail after having been behind.
    func caughtUp(topic: String, offset: Int64)
    /// The subscription ended; nothing more will be delivered.
    func subscriptionClosed(reason: SubscriptionCloseReason)
    /// `offsets` of `topic` are damaged on disk and were skipped: they will never be delivered; delivery goes
    /// on after them. Sent once per damaged stretch per subscription (again after a restart).
    func skippedDamaged(topic: String, offsets: Range<Int64>)
    /// Like ``deliver(_:)``, for messages just read from the log for a subscription catching up. Always called
    /// on a broker reader queue (never on a publisher's thread), so a sink may prepare the batch here, off the
    /// connection's event loop (the server encodes it).
    func deliverFromLog(_ deliveries: DeliveryBatch)
}

extension DeliverySink {
    /// Default: the same as ``deliver(_:)``.
    public func deliverFromLog(_ deliveries: DeliveryBatch) { deliver(deliveries) }

    /// Default: the notice is dropped (the broker has logged it and counted it in its metrics).
    public func skippedDamaged(topic: String, offsets: Range<Int64>) {}
}
