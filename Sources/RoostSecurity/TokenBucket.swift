/// A token bucket: ``ratePerSecond`` tokens flow in per second up to ``burst``; each publish takes one token per
/// message. Time comes in as an argument (ms since any fixed origin), so the bucket is a pure value that tests drive
/// with a manual clock. Owned by one connection, on its event loop: no locking.
public struct TokenBucket: Sendable {
    /// Tokens added per second.
    public let ratePerSecond: Double
    /// Most tokens the bucket holds: the largest burst allowed after a quiet period.
    public let burst: Double
    private var tokens: Double
    private var lastRefillMilliseconds: Int64

    /// A full bucket at `nowMilliseconds`. `ratePerSecond` must be positive, `burst` at least 1 (smaller values are
    /// raised to those).
    public init(ratePerSecond: Double, burst: Int, nowMilliseconds: Int64) {
        self.ratePerSecond = max(ratePerSecond, 0.001)
        self.burst = Double(max(burst, 1))
        self.tokens = self.burst
        self.lastRefillMilliseconds = nowMilliseconds
    }

    /// Takes `count` tokens if there are that many, and says whether it did; a refused request takes nothing, so a
    /// client that backs off recovers at the full rate. A batch larger than the burst can never pass and is refused.
    public mutating func take(_ count: Int = 1, nowMilliseconds: Int64) -> Bool {
        self.refill(nowMilliseconds)
        let needed = Double(max(count, 0))
        guard needed <= self.tokens else { return false }
        self.tokens -= needed
        return true
    }

    /// Milliseconds until `count` tokens will be there (0 when they are now): the hint for a `rate_limited` reply.
    public mutating func millisecondsUntilAvailable(_ count: Int = 1, nowMilliseconds: Int64) -> Int64 {
        self.refill(nowMilliseconds)
        let missing = Double(max(count, 0)) - self.tokens
        guard missing > 0 else { return 0 }
        return Int64((missing / self.ratePerSecond * 1000).rounded(.up))
    }

    private mutating func refill(_ now: Int64) {
        // A clock that goes backwards adds nothing rather than a negative amount.
        guard now > self.lastRefillMilliseconds else { return }
        let elapsed = Double(now - self.lastRefillMilliseconds) / 1000
        self.tokens = min(self.burst, self.tokens + elapsed * self.ratePerSecond)
        self.lastRefillMilliseconds = now
    }
}
