import Atomics
import RoostStorage

/// One topic's view of the broker's ``ReadChunkCache``: chunks of the topic that consumers read from its log, for
/// consumers that catch up together (a fan-out whose publisher ran past the tail cache, several replays at once).
/// Without it each of 100 subscribers reads, checksums and decodes its own copy of the same records and encodes its
/// own copy of each delivery; with it a chunk is read once and its `Message` instances, with their encoding cache,
/// are shared.
///
/// Chunks start at multiples of `chunkMessages`, so consumers a few messages apart hit the same chunk; only whole
/// chunks (all in the log already) are cached. How many chunks stay is up to the shared cache's byte budget.
/// Thread-safe.
final class TopicReadCache: Sendable {
    private static let ids = ManagedAtomic<Int>(0)

    private let chunkMessages: Int
    private let shared: ReadChunkCache
    /// This topic's part of the shared cache's keys (unique per `Topic` instance, so a topic deleted and created
    /// again never sees the old one's chunks).
    private let id = TopicReadCache.ids.wrappingIncrementThenLoad(ordering: .relaxed)

    init(chunkMessages: Int, shared: ReadChunkCache) {
        self.chunkMessages = max(1, chunkMessages)
        self.shared = shared
    }

    deinit { shared.removeTopic(id) }

    private func key(_ base: Int64) -> ReadChunkCache.Key { ReadChunkCache.Key(topic: id, base: base) }

    /// At most `maxMessages` messages of `topic` from `offset` on, from a cached chunk or from the log.
    ///
    /// `alone`: the reader is the topic's only consumer, so no one will want a chunk after it: a chunk it reads to
    /// its end is dropped from the cache at once. It still goes through the cache (its read-ahead puts the next
    /// chunk there while it waits for credit), but a lone replay keeps about two chunks, not the whole budget.
    func read(_ topic: Topic, from offset: Int64, maxMessages: Int, maxBytes: Int, alone: Bool = false) throws -> [Message] {
        let base = offset - offset % Int64(chunkMessages)
        // Near the end of the log (a reader that raced an append to the tail cache) only the asked-for messages are
        // read: a chunk read from its start would decode up to a chunk of records for a message or two.
        guard shared.budgetBytes > 0, topic.log.endOffset - base >= Int64(chunkMessages) else {
            return try Self.readLog(topic, from: offset, maxMessages: maxMessages, maxBytes: maxBytes)
        }
        // The chunk from its start (or the log's, after retention), so the consumers behind this one hit it too. A
        // chunk cut short by `maxBytes` (large messages) goes on in a part that starts where it ended, cached under
        // that offset: every reader cuts the same log at the same places, so they share the parts too.
        var start = base
        while true {
            let messages = try shared.load(key(start)) {
                try Self.readLog(topic, from: max(start, min(offset, topic.log.startOffset)),
                    maxMessages: Int(base + Int64(chunkMessages) - start), maxBytes: maxBytes)
            }
            if let hit = Self.slice(messages, from: offset, maxMessages: maxMessages) {
                if alone, let last = hit.last, last.offset == messages.last?.offset { shared.remove(key(start)) }
                return hit
            }
            guard let last = messages.last?.offset, last >= start, last < offset, last + 1 < base + Int64(chunkMessages) else { break }
            start = last + 1
        }
        // The chunk starts after `offset` (read before a retention change): read exactly what was asked for, uncached.
        return try Self.readLog(topic, from: offset, maxMessages: maxMessages, maxBytes: maxBytes)
    }

    /// The start of the chunk a consumer at `offset` will read next and that is not cached yet: the chunk of
    /// `offset`, or else the one after it; `nil` when both are cached (or being read) or not complete in the log
    /// yet. For read-ahead: a consumer waiting for credit has its next chunk read meanwhile, so the read is not in
    /// the way when credit comes back. Cheap (a lock and two lookups), so it may run under a consumer's lock.
    func chunkToReadAhead(_ topic: Topic, from offset: Int64) -> Int64? {
        guard shared.budgetBytes > 0 else { return nil }
        let size = Int64(chunkMessages)
        let base = offset - offset % size
        let end = topic.log.endOffset
        for candidate in [base, base + size] where end - candidate >= size {
            if !shared.contains(key(candidate)) { return candidate }
        }
        return nil
    }

    /// Reads the chunk starting at `base` into the cache (read-ahead; see ``chunkToReadAhead(_:from:)``).
    func readAhead(_ topic: Topic, chunk base: Int64, maxBytes: Int) throws {
        _ = try read(topic, from: base, maxMessages: 1, maxBytes: maxBytes)
    }

    private static func readLog(_ topic: Topic, from offset: Int64, maxMessages: Int, maxBytes: Int) throws -> [Message] {
        let records = try topic.log.read(from: offset, maxRecords: maxMessages, maxBytes: maxBytes).records
        return MessageBlock.read(topic: topic.name, records: records)
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
        // The whole chunk (a replay reading chunk after chunk): the cached array itself, not a copy of it (a copy
        // retains every message).
        if index == 0, maxMessages >= messages.count { return messages }
        return Array(messages[index..<min(messages.count, index + maxMessages)])
    }
}
