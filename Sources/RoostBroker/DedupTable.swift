import DequeModule
import NIOConcurrencyHelpers

/// The dedup ids of one topic seen within the window (by time and by count), each with the offset and
/// timestamp its message got. An id whose append is still running is pending: a second publish with it
/// waits for the first one's outcome instead of appending again. Thread-safe (one leaf lock).
///
/// Layout: the entries live in a ring in claim order (each gets the next sequence number), which is also
/// eviction order; ``DedupIndex`` maps a key to its sequence number. A claim returns the sequence number of
/// its first fresh id, so resolving a call's ids writes their ring entries directly, without a lookup.
/// Eviction stops at the oldest pending entry: an id is never forgotten while its append runs (so the
/// table may briefly hold more than `maxEntries`, by at most the appends in flight, and an id may be
/// remembered a little past the window while an older append is still running).
///
/// Cost: this sits on the publish hot path (the client gives every publish an id), so a batch takes the
/// lock once to claim and once to resolve, ids are hashed once (``DedupKey``), a fresh id costs one probe
/// of a small index and an append to the ring, and nothing is allocated per message unless a duplicate
/// waits for a running append.
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

    /// What `claim` found: `claims` is `nil` when every key is fresh (the common case, which allocates
    /// nothing), else one claim per key. `ticket` identifies the call's fresh ids for `resolve`/`abandon`.
    struct Claims {
        let ticket: Int64
        let claims: [Claim]?
    }

    /// Offset of a pending entry (its append has not answered yet).
    private static let pending: Int64 = -1
    /// Offset of an entry whose append failed: forgotten, waiting to leave the ring.
    private static let abandoned: Int64 = -2

    private struct Entry {
        let key: DedupKey
        var offset: Int64
        var timestamp: Int64
    }

    private struct State {
        var index = DedupIndex()
        /// Entries in claim order; `ring[i]` has sequence number `head + i`.
        var ring: Deque<Entry> = []
        var head: Int64 = 0
        /// Calls waiting on pending ids; empty unless duplicates race their first append.
        var waiters: [DedupKey: [Waiter]] = [:]

        func position(_ sequence: UInt32) -> Int {
            Int(sequence &- UInt32(truncatingIfNeeded: head))
        }

        /// The sequence number of `key`'s entry, if remembered.
        func find(_ key: DedupKey) -> UInt32? {
            index.find(tag: key.tag) { sequence in
                let at = position(sequence)
                return at < ring.count && ring[at].key == key
            }
        }

        mutating func append(_ entry: Entry) {
            index.insert(tag: entry.key.tag, sequence: UInt32(truncatingIfNeeded: head + Int64(ring.count)))
            ring.append(entry)
        }
    }

    private let windowMilliseconds: Int64
    private let maxEntries: Int
    private let state = NIOLockedValueBox(State())

    init(windowMilliseconds: Int64, maxEntries: Int) {
        self.windowMilliseconds = windowMilliseconds
        self.maxEntries = maxEntries
    }

    /// Claims each key (`nil` keys are always fresh) under one lock. For keys already pending, the join
    /// from `join()` (made at most once) is registered with the key's index.
    func claim(_ keys: [DedupKey?], now: Int64, join: () -> PublishJoin) -> Claims {
        state.withLockedValue { state in
            evict(&state, now: now)
            let ticket = state.head + Int64(state.ring.count)
            var claims: [Claim]?
            var waitingJoin: PublishJoin?
            for (index, key) in keys.enumerated() {
                guard let key else { continue }
                guard let sequence = state.find(key) else {
                    state.append(Entry(key: key, offset: Self.pending, timestamp: 0))
                    continue
                }
                let entry = state.ring[state.position(sequence)]
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
            return Claims(ticket: ticket, claims: claims)
        }
    }

    /// Records where the fresh keys of the claim `ticket` were stored: `keys[i]` got `baseOffset + i` (`nil`:
    /// a message without id). `keys` are the claimed keys less those that were not fresh, in claim order.
    /// Returns the waiters to tell (outside the lock), with the result they get; usually none.
    func resolve(_ keys: [DedupKey?], ticket: Int64, baseOffset: Int64, timestamp: Int64) -> [(Waiter, PublishedMessage)] {
        state.withLockedValue { state in
            var calls: [(Waiter, PublishedMessage)] = []
            var sequence = ticket
            for (position, key) in keys.enumerated() {
                guard let key else { continue }
                let at = Int(sequence - state.head)
                sequence += 1
                // Pending entries are never evicted, so `at` is in the ring; checked all the same.
                guard at >= 0, at < state.ring.count, state.ring[at].key == key else { continue }
                let offset = baseOffset + Int64(position)
                state.ring[at].offset = offset
                state.ring[at].timestamp = timestamp
                if !state.waiters.isEmpty, let waiting = state.waiters.removeValue(forKey: key) {
                    let result = PublishedMessage(offset: offset, timestamp: timestamp, duplicate: true)
                    calls += waiting.map { ($0, result) }
                }
            }
            return calls
        }
    }

    /// Forgets the fresh keys of the claim `ticket` (as for `resolve`) whose append failed and returns their
    /// waiters, to be failed with the append's error.
    func abandon(_ keys: [DedupKey?], ticket: Int64) -> [Waiter] {
        state.withLockedValue { state in
            var calls: [Waiter] = []
            var sequence = ticket
            for case let key? in keys {
                let at = Int(sequence - state.head)
                defer { sequence += 1 }
                guard at >= 0, at < state.ring.count, state.ring[at].key == key else { continue }
                state.ring[at].offset = Self.abandoned
                state.index.remove(tag: key.tag, sequence: UInt32(truncatingIfNeeded: sequence))
                calls += state.waiters.removeValue(forKey: key) ?? []
            }
            return calls
        }
    }

    /// Loads ids found in the log (on open), oldest first. An id found twice (published again after it left
    /// the window) is remembered with its latest offset.
    func load(_ stored: [(id: String, offset: Int64, timestamp: Int64)], now: Int64) {
        state.withLockedValue { state in
            for (id, offset, timestamp) in stored {
                let key = DedupKey(id)
                let entry = Entry(key: key, offset: offset, timestamp: timestamp)
                if let earlier = state.find(key) {
                    state.index.move(tag: key.tag, from: earlier, to: UInt32(truncatingIfNeeded: state.head + Int64(state.ring.count)))
                    state.ring.append(entry)
                } else {
                    state.append(entry)
                }
            }
            evict(&state, now: now)
        }
    }

    /// Number of ids remembered.
    var count: Int { state.withLockedValue { $0.index.count } }

    /// Drops entries from the front of the ring: abandoned ones, and resolved ones beyond the count limit or
    /// older than the window, up to the oldest pending one.
    private func evict(_ state: inout State, now: Int64) {
        while let oldest = state.ring.first, oldest.offset != Self.pending {
            if oldest.offset != Self.abandoned {
                guard state.ring.count > maxEntries || oldest.timestamp < now - windowMilliseconds else { return }
                // Removes the key only if the index still points here: an id stored twice in the log is
                // remembered with its latest offset until that one leaves.
                state.index.remove(tag: oldest.key.tag, sequence: UInt32(truncatingIfNeeded: state.head))
            }
            state.ring.removeFirst()
            state.head += 1
        }
    }
}
