import Atomics
import Dispatch
import RoostStorage

/// A disk whose fdatasyncs of segment files can be held and released one by one, in any order, and made to
/// fail: the seam for overlapping syncs (out-of-order returns, a failing sync, a roll while syncs run).
///
/// Syncs are numbered in the order they start (0, 1, ...). While `holding`, each waits in the fault
/// injector until the test releases it; `open()` releases every held sync and lets later ones run.
final class SyncGate: Sendable {
    static let capacity = 64
    let directory: String
    private let count = ManagedAtomic<Int>(0)
    private let consumedStarts = ManagedAtomic<Int>(0)
    private let holding = ManagedAtomic<Bool>(true)
    private let started = DispatchSemaphore(value: 0)
    private let gates = (0..<SyncGate.capacity).map { _ in DispatchSemaphore(value: 0) }
    private let errnos = (0..<SyncGate.capacity).map { _ in ManagedAtomic<Int32>(0) }

    init(_ directory: String) {
        self.directory = directory
        StorageFaults.install(under: directory) { [count, holding, started, gates, errnos] operation, path in
            guard operation == .sync, path.hasSuffix(LogFileNames.logSuffix) else { return nil }
            let n = count.loadThenWrappingIncrement(ordering: .sequentiallyConsistent)
            started.signal()
            guard n < SyncGate.capacity else { return nil }
            if holding.load(ordering: .sequentiallyConsistent) { gates[n].wait() }
            let code = errnos[n].load(ordering: .sequentiallyConsistent)
            return code == 0 ? nil : code
        }
    }

    /// Waits until `total` syncs have started since the gate was installed; false after 60 s (a hang, not a
    /// timing assertion: every caller expects the syncs to start).
    func awaitStarted(_ total: Int) -> Bool {
        while consumedStarts.load(ordering: .sequentiallyConsistent) < total {
            guard started.wait(timeout: .now() + 60) == .success else { return false }
            consumedStarts.wrappingIncrement(ordering: .sequentiallyConsistent)
        }
        return true
    }

    /// Syncs started so far.
    var startedCount: Int { count.load(ordering: .sequentiallyConsistent) }

    /// Lets held sync `n` return, failing with `code` when it is not 0.
    func release(_ n: Int, failing code: Int32 = 0) {
        errnos[n].store(code, ordering: .sequentiallyConsistent)
        gates[n].signal()
    }

    /// Releases every held sync (successfully unless a failure was set) and stops holding new ones.
    func open() {
        holding.store(false, ordering: .sequentiallyConsistent)
        for gate in gates { gate.signal() }
    }

    func uninstall() {
        open()
        StorageFaults.remove(under: directory)
    }
}
