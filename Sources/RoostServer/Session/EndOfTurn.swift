import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RoostStorage

/// Runs storage work that an event loop takes on at the end of its current turn: under fsync `always`, the write
/// and fdatasync of a quiet topic's small publishes (`InlineWrite.endOfTurn`; Docs/architecture.md, "Inline writes
/// and event loops"). Each event loop takes at most one such block at a time: the other topics published to in the
/// same turn are synced by their writer threads, in parallel, instead of one after the other on this loop.
enum EndOfTurn {
    /// Whether this thread's event loop holds a block it has not run yet. Only that thread reads or writes it;
    /// the lock makes it `Sendable`, as `ThreadSpecificVariable` requires, and is never contended.
    private final class Held: Sendable {
        let value = NIOLockedValueBox(false)
    }

    private static let held = ThreadSpecificVariable<Held>()

    /// An `InlineWrite.EndOfTurn` for callers on `eventLoop`: takes a block only on the loop's own thread and
    /// only if the loop holds none, and runs it as a task of the current turn.
    static func runner(on eventLoop: any EventLoop) -> InlineWrite.EndOfTurn {
        { block in
            guard eventLoop.inEventLoop else { return false }
            let flag: Held
            if let current = held.currentValue {
                flag = current
            } else {
                flag = Held()
                held.currentValue = flag
            }
            let taken = flag.value.withLockedValue { holding in
                if holding { return false }
                holding = true
                return true
            }
            guard taken else { return false }
            eventLoop.execute {
                defer { flag.value.withLockedValue { $0 = false } }
                block()
            }
            return true
        }
    }
}
