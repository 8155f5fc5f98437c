import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calls a handler on every SIGHUP, the conventional "reload your files" signal: `roost serve` reloads its TLS
/// certificate with it (``RoostServer/reloadTLS()``), so `systemctl reload` or a certificate renewal hook
/// (`kill -HUP`) swaps certificates without dropping connections.
///
/// Creating it replaces SIGHUP's default action (terminate) for the rest of the process; dropping it stops the
/// calls. The handler runs on a private serial queue, one call at a time.
public final class HangupSignal: Sendable {
    /// Written once in `init`, read once in `deinit`, never shared in between: no concurrent access is possible.
    nonisolated(unsafe) private let source: any DispatchSourceSignal

    /// Starts listening; returns once the signal source is registered, so a SIGHUP sent afterwards is seen.
    public init(_ handler: @escaping @Sendable () -> Void) async {
        #if canImport(Darwin)
        // Darwin's signal sources (kqueue) see a signal only if its default action does not kill first.
        signal(SIGHUP, SIG_IGN)
        #endif
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "roost.sighup"))
        source.setEventHandler(handler: handler)
        await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
            source.setRegistrationHandler { registered.resume() }
            source.resume()
        }
        self.source = source
    }

    deinit {
        self.source.cancel()
    }
}
