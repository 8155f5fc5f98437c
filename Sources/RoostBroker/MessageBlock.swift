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

    private struct CacheKey: Hashable {
        let encoding: MessageEncodingKey
        let segment: Int
    }

    /// The topic of every message in the block.
    public let topic: String
    /// The records, in offset order (dense: one append or one read).
    public let records: [StoredRecord]
    private let cache = Mutex<[CacheKey: any Sendable]>([:])

    init(topic: String, records: [StoredRecord]) {
        self.topic = topic
        self.records = records
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

    /// The cached encoding of segment `segment` for `key`, made by `encode` the first time only (concurrent
    /// callers wait for the first). A cached value of another type than `T` is replaced.
    public func encoded<T: Sendable>(as key: MessageEncodingKey, segment: Int, _ encode: (MessageBlock, Range<Int>) -> T) -> T {
        let cacheKey = CacheKey(encoding: key, segment: segment)
        return cache.withLock { cache in
            if let hit = cache[cacheKey] as? T { return hit }
            let value = encode(self, segmentRange(segment))
            cache[cacheKey] = value
            return value
        }
    }
}
