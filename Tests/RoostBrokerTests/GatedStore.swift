import Dispatch
import NIOConcurrencyHelpers
import RoostStorage

/// A log store that holds each `createLog`, `deleteLog` and `offset(forTimestamp:)` at a gate until the test opens it, and can
/// fail creates: to see what the broker does while that file I/O is under way (on the broker's own queues, which
/// may block; the tests never block theirs).
final class GatedStore: LogStore {
    struct Failure: Error {}

    private struct State {
        var holding = true
        var parked: [DispatchSemaphore] = []
        var failCreates = 0
        var entered: [CheckedContinuation<Void, Never>] = []
        var enteredCount = 0
    }

    let base: any LogStore
    private let state = NIOLockedValueBox(State())

    init(_ base: any LogStore, holding: Bool = true, failCreates: Int = 0) {
        self.base = base
        state.withLockedValue {
            $0.holding = holding
            $0.failCreates = failCreates
        }
    }

    /// Waits until `count` gated calls in total have reached the gate.
    func waitUntilEntered(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { state in
                if state.enteredCount >= count { return true }
                state.entered.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
        if state.withLockedValue({ $0.enteredCount }) < count { await waitUntilEntered(count) }
    }

    /// Lets every held call and every later one through.
    func openGate() {
        let parked = state.withLockedValue { state in
            state.holding = false
            defer { state.parked = [] }
            return state.parked
        }
        for semaphore in parked { semaphore.signal() }
    }

    /// Holds the gated calls from now on.
    func closeGate() {
        state.withLockedValue { $0.holding = true }
    }

    /// Blocks the calling (broker) thread while the gate is closed.
    func gate() {
        let semaphore = DispatchSemaphore(value: 0)
        let (hold, entered) = state.withLockedValue { state in
            state.enteredCount += 1
            defer { state.entered = [] }
            if state.holding { state.parked.append(semaphore) }
            return (state.holding, state.entered)
        }
        for continuation in entered { continuation.resume() }
        if hold { semaphore.wait() }
    }

    func logNames() -> [String] { base.logNames() }
    func log(named name: String) -> (any TopicLog)? { base.log(named: name).map { gated($0) } }
    func createLog(named name: String, configuration: LogConfiguration) throws -> any TopicLog {
        gate()
        let fail = state.withLockedValue { state in
            defer { state.failCreates = max(0, state.failCreates - 1) }
            return state.failCreates > 0
        }
        if fail { throw Failure() }
        return gated(try base.createLog(named: name, configuration: configuration))
    }
    func deleteLog(named name: String) throws {
        gate()
        try base.deleteLog(named: name)
    }
    func enforceRetention() throws -> Int { try base.enforceRetention() }
    func close() throws { try base.close() }

    /// `log` with its time lookups passing the gate.
    private func gated(_ log: any TopicLog) -> any TopicLog {
        HookedLog(log, beforeTimeLookup: { [self] in gate() })
    }
}
