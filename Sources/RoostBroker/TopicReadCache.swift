import NIOConcurrencyHelpers
import RoostStorage

/// The last few chunks of a topic that consumers read from its log, for consumers that catch up together: a
/// fan-out whose publisher ran past the tail cache, several replays at once. Without it each of 100 subscribers
/// reads, checksums and decodes its own copy of the same records and encodes its own copy of each delivery;
/// with it a chunk is read once and its `Message` instances, with their encoding cache, are shared.
///
/// Chunks start at multiples of `chunkMessages`, so consumers a few messages apart hit the same chunk; only whole
/// chunks (all in the log already) are cached. At most `maxChunks` chunks (each at most `maxBytes` of records) are
/// kept; the least recently read goes first.
/// Thread-safe: a lock guards the chunk list; log reads run outside it (two consumers missing the same chunk at
/// once both read it, which is only wasted work).
final class TopicReadCache: Sendable {
    private struct Chunk: Sendable {
        let base: Int64
        let messages: [Message]
    }

    private let chunkMessages: Int
    private let maxChunks: Int
    /// Most recently used last.
    private let chunks = NIOLockedValueBox<[Chunk]>([])

    init(chunkMessages: Int, maxChunks: Int) {
        self.chunkMessages = max(1, chunkMessages)
        self.maxChunks = maxChunks
    }

    /// At most `maxMessages` messages of `topic` from `offset` on, from a cached chunk or from the log.
    func read(_ topic: Topic, from offset: Int64, maxMessages: Int, maxBytes: Int) throws -> [Message] {
        let base = offset - offset % Int64(chunkMessages)
        // Near the end of the log (a reader that raced an append to the tail cache) only the asked-for messages are
        // read: a chunk read from its start would decode up to a chunk of records for a message or two.
        guard maxChunks > 0, topic.log.endOffset - base >= Int64(chunkMessages) else {
            return try Self.readLog(topic, from: offset, maxMessages: maxMessages, maxBytes: maxBytes)
        }
        let cached: [Message]? = chunks.withLockedValue { chunks in
            guard let index = chunks.firstIndex(where: { $0.base == base }) else { return nil }
            let chunk = chunks.remove(at: index)
            chunks.append(chunk)
            return chunk.messages
        }
        if let cached, let hit = Self.slice(cached, from: offset, maxMessages: maxMessages) { return hit }

        // The chunk from its start (or the log's, after retention), so the consumers behind this one hit it too.
        let start = max(base, min(offset, topic.log.startOffset))
        let messages = try Self.readLog(topic, from: start, maxMessages: chunkMessages, maxBytes: maxBytes)
        guard let hit = Self.slice(messages, from: offset, maxMessages: maxMessages) else {
            // The chunk ended before `offset` (cut by bytes): read exactly what was asked for, uncached.
            return try Self.readLog(topic, from: offset, maxMessages: maxMessages, maxBytes: maxBytes)
        }
        chunks.withLockedValue { chunks in
            chunks.removeAll { $0.base == base }
            chunks.append(Chunk(base: base, messages: messages))
            if chunks.count > maxChunks { chunks.removeFirst(chunks.count - maxChunks) }
        }
        return hit
    }

    /// The start of the chunk a consumer at `offset` will read next and that is not cached yet: the chunk of
    /// `offset`, or else the one after it; `nil` when both are cached or not complete in the log yet. For read-ahead:
    /// a consumer waiting for credit has its next chunk read meanwhile, so the read is not in the way when credit
    /// comes back. Cheap (a lock and a scan of at most `maxChunks` entries), so it may run under a consumer's lock.
    func chunkToReadAhead(_ topic: Topic, from offset: Int64) -> Int64? {
        guard maxChunks > 1 else { return nil }
        let size = Int64(chunkMessages)
        let base = offset - offset % size
        let end = topic.log.endOffset
        return chunks.withLockedValue { chunks in
            for candidate in [base, base + size] where end - candidate >= size {
                if !chunks.contains(where: { $0.base == candidate }) { return candidate }
            }
            return nil
        }
    }

    /// Reads the chunk starting at `base` into the cache (read-ahead; see ``chunkToReadAhead(_:from:)``).
    func readAhead(_ topic: Topic, chunk base: Int64, maxBytes: Int) throws {
        _ = try read(topic, from: base, maxMessages: 1, maxBytes: maxBytes)
    }

    private static func readLog(_ topic: Topic, from offset: Int64, maxMessages: Int, maxBytes: Int) throws -> [Message] {
        MessageBlock.messages(topic: topic.name, records: try topic.log.read(from: offset, maxRecords: maxMessages, maxBytes: maxBytes).records)
    }

    /// The messages from `offset` on, or `nil` when `messages` does not reach it.
    private static func slice(_ messages: [Message], from offset: Int64, maxMessages: Int) -> [Message]? {
        guard let first = messages.first, let last = messages.last, first.offset <= offset, last.offset >= offset else {
            return nil
        }
        // Offsets are dense within a read; search anyway in case a log leaves gaps.
        var index = Int(offset - first.offset)
        if index >= messages.count || messages[index].offset != offset {
            guard let found = messages.firstIndex(where: { $0.offset >= offset }) else { return nil }
            index = found
        }
        return Array(messages[index..<min(messages.count, index + maxMessages)])
    }
}
