import Atomics
import NIOConcurrencyHelpers

/// A test seam: makes the log's file writes and syncs fail as a full or failing disk would (ENOSPC, EIO),
/// so that tests can check what an append reports and that nothing confirmed is damaged.
///
/// Faults are registered per directory, and apply to files under it, so tests running in parallel in their
/// own temporary directories do not see each other's faults. With no fault registered (always, outside
/// tests) the cost is one relaxed atomic load per write and per sync.
package enum StorageFaults {
    /// The file operation about to run.
    package enum Operation: Sendable, Hashable {
        /// `pwrite` of segment bytes, an index or a configuration file.
        case write
        /// `fdatasync` (`fsync` on Darwin) of such a file.
        case sync
    }

    /// Decides, for one operation on the file at `path`, the errno to fail it with, or `nil` to let it run.
    package typealias Injector = @Sendable (_ operation: Operation, _ path: String) -> Int32?

    private static let armed = ManagedAtomic<Int>(0)
    private static let injectors = NIOLockedValueBox<[String: Injector]>([:])

    /// Routes operations on files under `directory` through `injector` until `remove(under:)`.
    package static func install(under directory: String, _ injector: @escaping Injector) {
        let count = injectors.withLockedValue { injectors in
            injectors[directory + "/"] = injector
            return injectors.count
        }
        armed.store(count, ordering: .sequentiallyConsistent)
    }

    /// Removes the injector of `directory`.
    package static func remove(under directory: String) {
        let count = injectors.withLockedValue { injectors in
            injectors[directory + "/"] = nil
            return injectors.count
        }
        armed.store(count, ordering: .sequentiallyConsistent)
    }

    /// Throws the injected failure for `operation` on `path`, if any: a `LogError` `io` carrying the errno,
    /// exactly what the real system call's failure produces.
    @inline(__always)
    static func check(_ operation: Operation, path: String, call: String) throws {
        guard armed.load(ordering: .relaxed) > 0 else { return }
        let injector = injectors.withLockedValue { injectors in
            injectors.first { path.hasPrefix($0.key) }?.value
        }
        guard let code = injector?(operation, path) else { return }
        throw LogError(code: .io, message: "\(call) \(path): injected errno \(code)", errno: code)
    }
}
