import NIOCore
import RoostStorage
import Synchronization

/// The messages made together by one append or one log read, with one encoding cache for runs of them.
///
/// Subscribers of a topic receive the same messages in the same order, usually in the same runs (a fan-out
/// takes whole appends; consumers catching up share the read cache's chunks). So the server encodes a
/// *segment* of a block (up to ``segmentSize`` consecutive messages) once per wire encoding and writes slices of
/// those bytes to every subscriber, instead of copying every message into every subscriber's frame.
///
/// Immutable apart from its cache; thread-safe. A message keeps its block alive, so a block costs as long as
/// any of its messages is held (in a tail cache, in flight, queued for a socket).
public final class MessageBlock: Sendable {
    /// Messages per encoded segment: large enough that a delivery frame of 1,000 messages takes a few shared
    /// slices, small enough that a message held in flight does not keep the encoding of a whole log read.
    public static let segmentSize = 256

    /// Segment encodings kept per wire encoding, most recently used first out last: 16, all segments of a read of
    /// 4,096 messages (`readBatchMessages`). Subscribers sharing a read (the broker's read cache) may be spread over
    /// the whole block, behind a publisher that outran them; keeping fewer made each of them encode again the
    /// segments the others had already moved past. A block held by one lagging subscriber alone keeps its
    /// encodings too, but no more than its records' worth, and only while its messages are in flight.
    public static let cachedSegments = 16

    private struct Entry {
        let encoding: MessageEncodingKey
        let segment: Int
        let value: any Sendable
    }

    /// The topic of every message in the block.
    public let topic: String
    /// The records, in offset order (dense: one append or one read).
    public let records: [StoredRecord]
    private let cache = Mutex<[Entry]>([])
    /// ``retainedBytes`` when it was worked out as the block was made.
    private let knownRetainedBytes: Int?

    init(topic: String, records: [StoredRecord], retainedBytes: Int? = nil) {
        self.topic = topic
        self.records = records
        self.knownRetainedBytes = retainedBytes
    }

    /// Memory a `Message` and its record cost besides their bytes of payload: the `Message` object, the
    /// `StoredRecord` in ``records`` (offset, timestamp, two buffer views, headers array) and the array slot that
    /// holds the message. An estimate, rounded up (x86-64, jemalloc size classes).
    static let perMessageOverhead = 224

    /// Bytes this block keeps alive, for caches that must stay within a byte budget: the whole storage of every
    /// buffer its records are slices of (a log read keeps its read buffers whole, not just the records' bytes),
    /// ``perMessageOverhead`` per message, and room for what ``encoded(as:segment:_:)`` may cache for one wire
    /// encoding: up to ``cachedSegments`` segments at 4/3 of the payload (base64) plus 64 bytes of envelope per
    /// message (subscribers of the other encoding reading the same block add up to that again). Known from the
    /// block's making for a block of ``read(topic:records:)``; otherwise walks the records once (O(n)).
    public var retainedBytes: Int {
        knownRetainedBytes ?? Self.retainedBytes(records, Self.footprint(records))
    }

    private static func retainedBytes(_ records: [StoredRecord], _ footprint: Footprint) -> Int {
        footprint.storage + records.count * perMessageOverhead + footprint.encodable
    }

    /// What a block's records cost: see ``retainedBytes``.
    private struct Footprint {
        /// Bytes of keys and payloads.
        var used = 0
        /// Capacity of the distinct buffers they are slices of.
        var storage = 0
        /// Room for one wire encoding of the first ``cachedSegments`` segments.
        var encodable = 0
    }

    /// The footprint of `records`, in one walk.
    private static func footprint(_ records: [StoredRecord]) -> Footprint {
        var footprint = Footprint()
        var seen = Set<UnsafeMutableRawPointer>()
        var last: UnsafeMutableRawPointer?
        func note(_ buffer: ByteBuffer) {
            footprint.used += buffer.readableBytes
            // The storage object's address, without a retain: identity only, never dereferenced.
            let id = buffer.withVeryUnsafeBytesWithStorageManagement { $1.toOpaque() }
            guard id != last else { return }
            last = id
            if seen.insert(id).inserted { footprint.storage += buffer.storageCapacity }
        }
        let encodable = cachedSegments * segmentSize
        records.withUnsafeBufferPointer { records in
            for (index, record) in records.enumerated() {
                note(record.value)
                if let key = record.key { note(key) }
                if index < encodable {
                    footprint.encodable += (record.value.readableBytes + (record.key?.readableBytes ?? 0)) * 4 / 3 + 64
                }
            }
        }
        return footprint
    }

    /// `records` as they are, or, when the buffers they are slices of are much larger than the records' bytes
    /// (more than twice their keys and payloads plus 64 KiB), with keys and payloads copied into one buffer of
    /// their size. A log read of a few records of a large batch (group commit writes batches of up to
    /// `maxBatchBytes`, 8 MiB) holds the whole batch's buffer; a cache or an in-flight message keeping those
    /// records would pin it all. The copy is one pass over bytes that are about to be encoded anyway.
    public static func compacted(_ records: [StoredRecord]) -> [StoredRecord] {
        compacted(records, footprint(records))
    }

    private static func compacted(_ records: [StoredRecord], _ footprint: Footprint) -> [StoredRecord] {
        guard needsCompaction(footprint) else { return records }
        let used = footprint.used
        // Everything is written before the first slice is taken: a write to a shared buffer would copy it.
        var copy = ByteBufferAllocator().buffer(capacity: used)
        for record in records {
            if let key = record.key { copy.writeImmutableBuffer(key) }
            copy.writeImmutableBuffer(record.value)
        }
        var position = copy.readerIndex
        func take(_ length: Int) -> ByteBuffer? {
            defer { position += length }
            return copy.getSlice(at: position, length: length)
        }
        var moved = records
        for index in moved.indices {
            if let key = records[index].key { moved[index].key = take(key.readableBytes) ?? key }
            moved[index].value = take(records[index].value.readableBytes) ?? records[index].value
        }
        return moved
    }

    /// One `Message` per record, all sharing one block.
    public static func messages(topic: String, records: [StoredRecord]) -> [Message] {
        messages(of: MessageBlock(topic: topic, records: records))
    }

    /// One `Message` per record of a log read, all sharing one block: the records ``compacted(_:)``, and the block's
    /// ``retainedBytes`` worked out in the same walk (a read cache charges every chunk it keeps).
    public static func read(topic: String, records: [StoredRecord]) -> [Message] {
        let footprint = footprint(records)
        guard needsCompaction(footprint) else {
            return messages(of: MessageBlock(topic: topic, records: records, retainedBytes: retainedBytes(records, footprint)))
        }
        let kept = compacted(records, footprint)
        return messages(of: MessageBlock(topic: topic, records: kept, retainedBytes: retainedBytes(kept, Self.footprint(kept))))
    }

    /// Whether the buffers of records are much larger than the records' bytes (see ``compacted(_:)``).
    private static func needsCompaction(_ footprint: Footprint) -> Bool {
        footprint.storage > 2 * footprint.used + (64 << 10)
    }

    private static func messages(of block: MessageBlock) -> [Message] {
        block.records.indices.map { Message(block: block, index: $0) }
    }

    /// Segment `segment`'s indexes into ``records``.
    public func segmentRange(_ segment: Int) -> Range<Int> {
        let start = segment * Self.segmentSize
        return start..<min(records.count, start + Self.segmentSize)
    }

    /// The cached encoding of segment `segment` for `key`, made by `encode` when not cached (concurrent callers
    /// wait for the first). At most ``cachedSegments`` segments per key are kept, the least recently made go first
    /// (a subscriber that still needs one encodes it again). A cached value of another type than `T` is replaced.
    public func encoded<T: Sendable>(as key: MessageEncodingKey, segment: Int, _ encode: (MessageBlock, Range<Int>) -> T) -> T {
        cache.withLock { cache in
            if let index = cache.firstIndex(where: { $0.encoding == key && $0.segment == segment }) {
                if let hit = cache[index].value as? T { return hit }
                cache.remove(at: index)
            }
            let value = encode(self, segmentRange(segment))
            if cache.lazy.filter({ $0.encoding == key }).count >= Self.cachedSegments,
                let oldest = cache.firstIndex(where: { $0.encoding == key })
            {
                cache.remove(at: oldest)
            }
            cache.append(Entry(encoding: key, segment: segment, value: value))
            return value
        }
    }
}
