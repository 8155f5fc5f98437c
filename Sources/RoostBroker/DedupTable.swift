import DequeModule
import NIOConcurrencyHelpers

/// The dedup ids of one topic seen within the window (by time and by count), each with the offset and
/// timestamp its message got. An id whose append is still running is pending: a second publish with it
/// waits for the first one's outcome instead of appending again. Thread-safe (one leaf lock).
///
/// Cost: this sits on the publish hot path (the client gives every publish an id), so a batch takes the
/// lock once to claim and once to resolve, ids are hashed once (``DedupKey``), and nothing is allocated per
/// message unless a duplicate waits for a running append.
final class DedupTable: Sendable {
    /// A publish call waiting for message `index`'s id to be resolved by another call's append.
    struct Waiter {
        let join: PublishJoin
        let index: Int
    }

    enum Claim {
        /// First sight: append it.
        case fresh
        /// Seen and stored: answer with this.
        case duplicate(PublishedMessage)
        /// Its first append is running: the call's join was registered and will be told.
        case waiting
    }

    /// Offset of a pending entry (its append has not answered yet).
    private static let pending: Int64 = -1
    /// Offset of a slot `claim` just created: marks it new, then becomes `pending`. Never stays in the table.
    private static let absent: Int64 = -2

    /// Turns a just-created slot into a pending entry and returns `nil` (fresh), or returns the entry found.
    private static func claimSlot(_ entry: inout Entry) -> Entry? {
        guard entry.offset == absent else { return entry }
        entry.offset = pending
        return nil
    }

    private struct Entry {
        var offset: Int64
        var timestamp: Int64
    }

    private struct State {
        var entries: [DedupKey: Entry] = [:]
        /// Calls waiting on pending ids; empty unless duplicates race their first append.
        var waiters: [DedupKey: [Waiter]] = [:]
        /// Resolved ids in the order they were stored, with their offset and record timestamp, for eviction.
        var order: Deque<(key: DedupKey, offset: Int64, timestamp: Int64)> = []
    }

    private let windowMilliseconds: Int64
    private let maxEntries: Int
    private let state = NIOLockedValueBox(State())

    init(windowMilliseconds: Int64, maxEntries: Int) {
        self.windowMilliseconds = windowMilliseconds
        self.maxEntries = maxEntries
    }

    /// Claims each key (`nil` keys are always fresh) under one lock. Returns `nil` when every key is fresh
    /// (the common case, which allocates nothing); otherwise one claim per key. For keys already pending, the
    /// join from `join()` (made at most once) is registered with the key's index.
    func claim(_ keys: [DedupKey?], now: Int64, join: () -> PublishJoin) -> [Claim]? {
        state.withLockedValue { state in
            evict(&state, now: now)
            var claims: [Claim]?
            var waitingJoin: PublishJoin?
            for (index, key) in keys.enumerated() {
                guard let key else { continue }
                // One probe: the default subscript finds the slot or inserts a pending entry in place.
                guard let entry = Self.claimSlot(&state.entries[key, default: Entry(offset: Self.absent, timestamp: 0)]) else {
                    continue
                }
                let claim: Claim
                if entry.offset == Self.pending {
                    let made = waitingJoin ?? join()
                    waitingJoin = made
                    state.waiters[key, default: []].append(Waiter(join: made, index: index))
                    claim = .waiting
                } else {
                    claim = .duplicate(PublishedMessage(offset: entry.offset, timestamp: entry.timestamp, duplicate: true))
                }
                if claims == nil { claims = Array(repeating: .fresh, count: keys.count) }
                claims?[index] = claim
            }
            return claims
        }
    }

    /// Records where claimed keys were stored: `keys[i]` got `baseOffset + i` (`nil`: a message without id).
    /// Returns the waiters to tell (outside the lock), with the result they get; usually none.
    func resolve(_ keys: [DedupKey?], baseOffset: Int64, timestamp: Int64) -> [(Waiter, PublishedMessage)] {
        state.withLockedValue { state in
            var calls: [(Waiter, PublishedMessage)] = []
            for (position, key) in keys.enumerated() {
                guard let key else { continue }
                let offset = baseOffset + Int64(position)
                state.entries[key] = Entry(offset: offset, timestamp: timestamp)
                state.order.append((key, offset, timestamp))
                if !state.waiters.isEmpty, let waiting = state.waiters.removeValue(forKey: key) {
                    let result = PublishedMessage(offset: offset, timestamp: timestamp, duplicate: true)
                    calls += waiting.map { ($0, result) }
                }
            }
            return calls
        }
    }

    /// Forgets claimed keys whose append failed and returns their waiters, to be failed with the append's error.
    func abandon(_ keys: [DedupKey?]) -> [Waiter] {
        state.withLockedValue { state in
            var calls: [Waiter] = []
            for case let key? in keys {
                state.entries[key] = nil
                calls += state.waiters.removeValue(forKey: key) ?? []
            }
            return calls
        }
    }

    /// Loads ids found in the log (on open), oldest first.
    func load(_ stored: [(id: String, offset: Int64, timestamp: Int64)], now: Int64) {
        state.withLockedValue { state in
            for (id, offset, timestamp) in stored {
                let key = DedupKey(id)
                state.entries[key] = Entry(offset: offset, timestamp: timestamp)
                state.order.append((key, offset, timestamp))
            }
            evict(&state, now: now)
        }
    }

    /// Number of ids remembered.
    var count: Int { state.withLockedValue { $0.order.count } }

    private func evict(_ state: inout State, now: Int64) {
        while let oldest = state.order.first,
              state.order.count > maxEntries || oldest.timestamp < now - windowMilliseconds {
            state.order.removeFirst()
            // Only if the entry is still this one: an id stored twice in the log (re-published after it left
            // the window) is remembered with its latest offset until that one leaves. One probe.
            if let slot = state.entries.index(forKey: oldest.key), state.entries.values[slot].offset == oldest.offset {
                state.entries.remove(at: slot)
            }
        }
    }
}
