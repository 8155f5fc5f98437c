import Dispatch
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGTERM and SIGINT into an awaitable event, for the executable's graceful shutdown:
///
/// ```swift
/// let signals = await TerminationSignals()
/// try await server.start()
/// let signal = await signals.next()
/// await server.shutdown()
/// ```
///
/// Creating it replaces the default action of both signals (terminate) for the rest of the process, so a signal
/// that arrives before ``next()`` is awaited is kept, not lost. A second signal after the first is ignored; the
/// process supervisor's SIGKILL remains the last resort.
public final class TerminationSignals: Sendable {
    private struct State {
        var received: Int32?
        var waiter: CheckedContinuation<Int32, Never>?
    }

    private let state = NIOLockedValueBox(State())
    /// Written once in `init`, read once in `deinit`, never shared in between: no concurrent access is possible.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    /// Installs the handlers and returns once they are registered, so no signal raised after this is missed.
    public init() async {
        let queue = DispatchQueue(label: "roost.signals")
        let state = self.state
        var sources: [any DispatchSourceSignal] = []
        sources.reserveCapacity(2)
        for number in [SIGTERM, SIGINT] {
            #if canImport(Darwin)
            // Darwin's signal sources (kqueue) see a signal only if its default action does not kill first.
            signal(number, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { Self.deliver(number, to: state) }
            await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
                source.setRegistrationHandler { registered.resume() }
                source.resume()
            }
            sources.append(source)
        }
        self.sources = sources
    }

    deinit {
        for source in self.sources { source.cancel() }
    }

    /// Suspends until SIGTERM or SIGINT has arrived (returns at once if one already did); returns its number.
    public func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let received = self.state.withLockedValue { state -> Int32? in
                if let received = state.received { return received }
                state.waiter = continuation
                return nil
            }
            if let received { continuation.resume(returning: received) }
        }
    }

    private static func deliver(_ number: Int32, to state: NIOLockedValueBox<State>) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Int32, Never>? in
            guard state.received == nil else { return nil }
            state.received = number
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: number)
    }
}
