import Synchronization

/// Counts open connections per principal and refuses one beyond the limit, so that one leaked or abused token
/// cannot take every connection slot of the server. Safe from any thread (one mutex, held for a dictionary update).
public final class ConnectionLimiter: Sendable {
    /// Most connections one principal may hold open at once; 0 or less: no limit.
    public let limit: Int
    private let counts = Mutex<[String: Int]>([:])

    /// A limiter allowing `limit` connections per identity.
    public init(limit: Int) {
        self.limit = limit
    }

    /// Counts one more connection for `identity` and says whether it is within the limit; a refused connection is
    /// not counted. Every accepted connection must be ``release(_:)``d exactly once when it closes.
    public func acquire(_ identity: String) -> Bool {
        self.counts.withLock { counts in
            let current = counts[identity, default: 0]
            guard self.limit <= 0 || current < self.limit else { return false }
            counts[identity] = current + 1
            return true
        }
    }

    /// Forgets one connection of `identity`.
    public func release(_ identity: String) {
        self.counts.withLock { counts in
            guard let current = counts[identity] else { return }
            counts[identity] = current > 1 ? current - 1 : nil
        }
    }

    /// Open connections of `identity`.
    public func count(_ identity: String) -> Int {
        self.counts.withLock { $0[identity, default: 0] }
    }
}
