import DequeModule
import NIOConcurrencyHelpers

/// The dedup ids of one topic seen within the window (by time and by count), each with the offset and
/// timestamp its message got. An id whose append is still running is `pending`: a second publish with it
/// waits for the first one's outcome instead of appending again. Thread-safe (one leaf lock).
final class DedupTable: Sendable {
    typealias Waiter = @Sendable (Result<PublishedMessage, BrokerError>) -> Void

    enum Claim {
        /// First sight: append it.
        case fresh
        /// Seen and stored: answer with this.
        case duplicate(PublishedMessage)
        /// Its first append is running: the waiter was registered and will be called.
        case waiting
    }

    private enum Entry {
        case pending([Waiter])
        case done(offset: Int64, timestamp: Int64)
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Resolved ids in the order they were stored, with their record timestamp, for eviction.
        var order: Deque<(id: String, timestamp: Int64)> = []
    }

    private let windowMilliseconds: Int64
    private let maxEntries: Int
    private let state = NIOLockedValueBox(State())

    init(windowMilliseconds: Int64, maxEntries: Int) {
        self.windowMilliseconds = windowMilliseconds
        self.maxEntries = maxEntries
    }

    /// Claims each id (`nil` ids are always fresh). For ids already pending, `waiter(index)` is registered.
    func claim(_ ids: [String?], now: Int64, waiter: (Int) -> Waiter) -> [Claim] {
        state.withLockedValue { state in
            evict(&state, now: now)
            return ids.enumerated().map { index, id in
                guard let id else { return .fresh }
                switch state.entries[id] {
                case nil:
                    state.entries[id] = .pending([])
                    return .fresh
                case .done(let offset, let timestamp):
                    return .duplicate(PublishedMessage(offset: offset, timestamp: timestamp, duplicate: true))
                case .pending(var waiters):
                    waiters.append(waiter(index))
                    state.entries[id] = .pending(waiters)
                    return .waiting
                }
            }
        }
    }

    /// Records where claimed ids were stored and returns the waiters to call (outside the lock).
    func resolve(_ stored: [(id: String, offset: Int64, timestamp: Int64)]) -> [() -> Void] {
        state.withLockedValue { state in
            var calls: [() -> Void] = []
            for (id, offset, timestamp) in stored {
                if case .pending(let waiters) = state.entries[id] {
                    let result = PublishedMessage(offset: offset, timestamp: timestamp, duplicate: true)
                    calls += waiters.map { waiter in { waiter(.success(result)) } }
                }
                state.entries[id] = .done(offset: offset, timestamp: timestamp)
                state.order.append((id, timestamp))
            }
            return calls
        }
    }

    /// Forgets claimed ids whose append failed and returns their waiters, failed with `error`.
    func abandon(_ ids: [String], error: BrokerError) -> [() -> Void] {
        state.withLockedValue { state in
            var calls: [() -> Void] = []
            for id in ids {
                if case .pending(let waiters) = state.entries.removeValue(forKey: id) {
                    calls += waiters.map { waiter in { waiter(.failure(error)) } }
                }
            }
            return calls
        }
    }

    /// Loads ids found in the log (on open), oldest first.
    func load(_ stored: [(id: String, offset: Int64, timestamp: Int64)], now: Int64) {
        _ = resolve(stored)
        state.withLockedValue { evict(&$0, now: now) }
    }

    /// Number of ids remembered.
    var count: Int { state.withLockedValue { $0.order.count } }

    private func evict(_ state: inout State, now: Int64) {
        while let oldest = state.order.first,
              state.order.count > maxEntries || oldest.timestamp < now - windowMilliseconds {
            state.order.removeFirst()
            if case .done = state.entries[oldest.id] { state.entries[oldest.id] = nil }
        }
    }
}
