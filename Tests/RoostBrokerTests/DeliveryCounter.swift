import NIOConcurrencyHelpers

/// Counts deliveries across several sinks and lets a test wait for a total without sleeping.
final class DeliveryCounter: Sendable {
    private struct State {
        var count = 0
        var waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = NIOLockedValueBox(State())

    func add(_ n: Int) {
        let ready = state.withLockedValue { state in
            state.count += n
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                if state.count >= waiter.target { ready.append(waiter.continuation); return true }
                return false
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    var count: Int { state.withLockedValue { $0.count } }

    func wait(for target: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state in
                if state.count >= target { return true }
                state.waiters.append((target, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
