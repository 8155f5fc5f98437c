import NIOConcurrencyHelpers
import RoostStorage

/// A `WallClock` that moves only when a test advances it. (RoostTesting will ship one with the disk log;
/// this stays until then.)
final class ManualClock: WallClock {
    private let now: NIOLockedValueBox<Int64>

    init(_ start: Int64 = 1_700_000_000_000) { now = NIOLockedValueBox(start) }

    func nowMilliseconds() -> Int64 { now.withLockedValue { $0 } }

    func advance(by milliseconds: Int64) { now.withLockedValue { $0 += milliseconds } }
}
