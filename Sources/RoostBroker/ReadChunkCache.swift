import DequeModule
import NIOConcurrencyHelpers
import RoostStorage

/// The broker's cache of log reads, shared by every topic under one byte budget (`readCacheBytes`).
///
/// Consumers that catch up together (100 subscribers behind a publisher that ran past the tail cache, several
/// replays at once) read and decode each chunk of a topic once and share its `Message`s and their encodings. The
/// budget goes where the reads are: the topic being fanned out may hold hundreds of chunks while an idle topic
/// holds none. When a new chunk does not fit, the least recently used chunks go, whichever topic they belong to;
/// chunks nobody read for `readCacheIdleMilliseconds` are dropped at the broker's tick, so a finished replay does
/// not keep its memory.
///
/// A chunk is charged what it keeps alive (``MessageBlock/retainedBytes``: the whole buffers of the read, a fixed
/// cost per message and room for its shared encodings), not just its payload bytes, so the budget bounds memory.
///
/// Thread-safe: one lock guards the index; log reads run outside it. A chunk is read by one caller at a time
/// (the others wait for it): two copies of one chunk would split its subscribers over two blocks and double the
/// encoding work the cache exists to share.
final class ReadChunkCache: Sendable {
    /// A chunk: which topic (``TopicReadCache``'s id) and its first offset.
    struct Key: Hashable, Sendable {
        let topic: Int
        let base: Int64
    }

    /// What the cache holds now (tests, metrics).
    struct Usage: Equatable, Sendable {
        var chunks: Int
        var bytes: Int
    }

    private struct Entry {
        let messages: [Message]
        let bytes: Int
        var stamp: UInt64
        var usedAt: Int64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var loading: [Key: ChunkLoad] = [:]
        /// Keys by last use, oldest first. A use appends a new stamp; entries whose stamp moved on are stale and
        /// skipped (and compacted away once they outnumber the live ones), so a use is O(1).
        var order: Deque<(key: Key, stamp: UInt64)> = []
        var nextStamp: UInt64 = 0
        var bytes = 0
    }

    /// A read in progress; other callers wanting the same chunk wait on it.
    private final class ChunkLoad: Sendable {
        private let finished = ConditionLock(value: false)
        private let result = NIOLockedValueBox<[Message]?>(nil)
        /// Callers waiting (tests).
        let waiters = NIOLockedValueBox(0)

        func finish(_ messages: [Message]?) {
            result.withLockedValue { $0 = messages }
            finished.lock()
            finished.unlock(withValue: true)
        }

        /// The loaded messages, or `nil` when the read failed (the caller reads for itself and sees the error).
        func wait() -> [Message]? {
            waiters.withLockedValue { $0 += 1 }
            finished.lock(whenValue: true)
            finished.unlock()
            return result.withLockedValue { $0 }
        }
    }

    /// The byte budget; 0 turns the cache off.
    let budgetBytes: Int
    /// Chunks unused this long are dropped by ``expireIdle(now:)``.
    let idleMilliseconds: Int64
    private let clock: any WallClock
    private let state = NIOLockedValueBox(State())

    init(budgetBytes: Int, idleMilliseconds: Int64, clock: any WallClock) {
        self.budgetBytes = max(0, budgetBytes)
        self.idleMilliseconds = idleMilliseconds
        self.clock = clock
    }

    var usage: Usage { state.withLockedValue { Usage(chunks: $0.entries.count, bytes: $0.bytes) } }

    /// Whether `key` is cached or being read.
    func contains(_ key: Key) -> Bool {
        state.withLockedValue { $0.entries[key] != nil || $0.loading[key] != nil }
    }

    /// Callers waiting for the read of `key` in progress (tests).
    func waiters(for key: Key) -> Int {
        state.withLockedValue { $0.loading[key] }?.waiters.withLockedValue { $0 } ?? 0
    }

    /// The cached messages of `key` (marked used), or `nil`.
    func cached(_ key: Key) -> [Message]? {
        let now = clock.nowMilliseconds()
        return state.withLockedValue { state in Self.touch(key, now: now, in: &state) }
    }

    /// The messages of chunk `key`: cached, or read by `read` (once, however many callers want them at the same
    /// time) and cached when they fit the budget.
    func load(_ key: Key, read: () throws -> [Message]) throws -> [Message] {
        guard budgetBytes > 0 else { return try read() }
        let now = clock.nowMilliseconds()
        enum Claim { case hit([Message]), wait(ChunkLoad), read(ChunkLoad) }
        let claim: Claim = state.withLockedValue { state in
            if let hit = Self.touch(key, now: now, in: &state) { return .hit(hit) }
            if let load = state.loading[key] { return .wait(load) }
            let load = ChunkLoad()
            state.loading[key] = load
            return .read(load)
        }
        switch claim {
        case .hit(let messages):
            return messages
        case .wait(let load):
            if let messages = load.wait() { return messages }
            return try read()
        case .read(let load):
            let messages: [Message]
            do {
                messages = try read()
            } catch {
                state.withLockedValue { _ = $0.loading.removeValue(forKey: key) }
                load.finish(nil)
                throw error
            }
            insert(key, messages: messages, now: now)
            load.finish(messages)
            return messages
        }
    }

    /// Drops chunk `key`, if cached (its only reader is done with it).
    func remove(_ key: Key) {
        state.withLockedValue { Self.remove(key, from: &$0) }
    }

    /// Drops every chunk of `topic` (a deleted topic).
    func removeTopic(_ topic: Int) {
        state.withLockedValue { state in
            for key in state.entries.keys where key.topic == topic { Self.remove(key, from: &state) }
        }
    }

    /// Drops the chunks nobody used for `idleMilliseconds` up to `now`.
    func expireIdle(now: Int64) {
        state.withLockedValue { state in
            while let (key, stamp) = state.order.first {
                guard let entry = state.entries[key], entry.stamp == stamp else {
                    state.order.removeFirst()
                    continue
                }
                guard now - entry.usedAt >= idleMilliseconds else { return }
                state.order.removeFirst()
                Self.remove(key, from: &state)
            }
        }
    }

    private func insert(_ key: Key, messages: [Message], now: Int64) {
        let bytes = Self.cost(of: messages)
        state.withLockedValue { state in
            state.loading.removeValue(forKey: key)
            guard bytes <= budgetBytes, !messages.isEmpty else { return }
            Self.remove(key, from: &state)
            while state.bytes + bytes > budgetBytes, let (oldest, stamp) = state.order.popFirst() {
                if state.entries[oldest]?.stamp == stamp { Self.remove(oldest, from: &state) }
            }
            state.entries[key] = Entry(messages: messages, bytes: bytes, stamp: 0, usedAt: now)
            state.bytes += bytes
            _ = Self.touch(key, now: now, in: &state)
        }
    }

    private static func touch(_ key: Key, now: Int64, in state: inout State) -> [Message]? {
        guard var entry = state.entries[key] else { return nil }
        state.nextStamp += 1
        entry.stamp = state.nextStamp
        entry.usedAt = now
        state.entries[key] = entry
        state.order.append((key, entry.stamp))
        if state.order.count > 2 * state.entries.count + 64 {
            state.order = Deque(state.order.filter { state.entries[$0.key]?.stamp == $0.stamp })
        }
        return entry.messages
    }

    private static func remove(_ key: Key, from state: inout State) {
        guard let entry = state.entries.removeValue(forKey: key) else { return }
        state.bytes -= entry.bytes
    }

    /// What `messages` keep alive: the blocks they belong to, each counted once.
    static func cost(of messages: [Message]) -> Int {
        var bytes = 0
        var last: MessageBlock?
        var index = 0
        while index < messages.count {
            let message = messages[index]
            if message.block !== last {
                last = message.block
                bytes += message.block.retainedBytes
            }
            // A block's messages are consecutive in a read: step over the rest of this one (no walk per message).
            index += max(1, message.block.records.count - message.index)
        }
        return bytes
    }
}
