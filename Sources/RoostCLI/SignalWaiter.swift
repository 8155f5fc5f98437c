import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for SIGTERM or SIGINT (installed at `init`, so an early signal is kept). Stands in until the transport's
/// `TerminationSignals` lands on main.
final class TerminationSignals: Sendable {
    private final class State: Sendable {
        let mutex = Mutex<(received: Int32?, waiter: CheckedContinuation<Int32, Never>?)>((nil, nil))
    }

    private let state = State()
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    init() {
        let queue = DispatchQueue(label: "roost.signals")
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [state] in
                let waiter = state.mutex.withLock { state -> CheckedContinuation<Int32, Never>? in
                    guard state.received == nil else { return nil }
                    state.received = number
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume(returning: number)
            }
            source.resume()
            sources.append(source)
        }
    }

    func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let received = state.mutex.withLock { state -> Int32? in
                if let received = state.received { return received }
                state.waiter = continuation
                return nil
            }
            if let received { continuation.resume(returning: received) }
        }
    }
}
