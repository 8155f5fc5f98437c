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

    /// Segment encodings kept per wire encoding, most recently used first out last. Subscribers of a block move
    /// through it together, so a few segments serve them; a block read by one lagging subscriber alone keeps
    /// only these few instead of its whole encoding (a read block has up to 16 segments of ~50 KB each).
    public static let cachedSegments = 4

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

    init(topic: String, records: [StoredRecord]) {
        self.topic = topic
        self.records = records
    }

    /// Memory a `Message` and its record cost besides their bytes of payload: the `Message` object, the
    /// `StoredRecord` in ``records`` (offset, timestamp, two buffer views, headers array) and the array slot that
    /// holds the message. An estimate, rounded up (x86-64, jemalloc size classes).
    static let perMessageOverhead = 224

    /// Bytes this block keeps alive, for caches that must stay within a byte budget: the whole storage of every
    /// buffer its records are slices of (a log read keeps its read buffers whole, not just the records' bytes),
    /// ``perMessageOverhead`` per message, and room for what ``encoded(as:segment:_:)`` may cache: up to
    /// ``cachedSegments`` segments in each of two wire encodings, at 4/3 of the payload (base64) plus 64 bytes of
    /// envelope per message. Walks the records once (O(n)); call it once per block.
    public var retainedBytes: Int {
        var storages = Set<UnsafeRawPointer>()
        var last: UnsafeRawPointer?
        var bytes = records.count * Self.perMessageOverhead
        func charge(_ buffer: ByteBuffer) {
            let base = buffer.withVeryUnsafeBytesWithStorageManagement { UnsafeRawPointer($1.toOpaque()) }
            guard base != last else { return }
            last = base
            guard storages.insert(base).inserted else { return }
            bytes += buffer.storageCapacity
        }
        var encodable = 0
        for (index, record) in records.enumerated() {
            charge(record.value)
            if let key = record.key { charge(key) }
            if index < Self.cachedSegments * Self.segmentSize {
                encodable += (record.value.readableBytes + (record.key?.readableBytes ?? 0)) * 4 / 3 + 64
            }
        }
        return bytes + 2 * encodable
    }

    /// One `Message` per record, all sharing one block.
    public static func messages(topic: String, records: [StoredRecord]) -> [Message] {
        let block = MessageBlock(topic: topic, records: records)
        return records.indices.map { Message(block: block, index: $0) }
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
