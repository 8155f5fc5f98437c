import NIOConcurrencyHelpers
import RoostStorage

/// A `WallClock` that moves only when a test says so, for retention, rolling, redelivery and timeouts
/// without sleeping. Safe to use from any thread.
public final class ManualClock: WallClock {
    private let now: NIOLockedValueBox<Int64>

    /// Starts at `milliseconds` since the epoch (default: 2026-01-01T00:00:00Z, a realistic value).
    public init(milliseconds: Int64 = 1_767_225_600_000) {
        self.now = NIOLockedValueBox(milliseconds)
    }

    public func nowMilliseconds() -> Int64 { now.withLockedValue { $0 } }

    /// Moves the clock forward (or back, with a negative value) by `milliseconds`.
    public func advance(by milliseconds: Int64) { now.withLockedValue { $0 += milliseconds } }

    /// Sets the clock to `milliseconds` since the epoch.
    public func set(_ milliseconds: Int64) { now.withLockedValue { $0 = milliseconds } }
}
