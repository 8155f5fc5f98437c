import NIOConcurrencyHelpers

/// Totals of a load run, shared by the connections (which add to them once per read batch, not per
/// message) and the progress printer.
final class LoadCounters: Sendable {
    struct Totals: Sendable {
        var sent = 0
        var confirmed = 0
        var received = 0
        var receivedBytes = 0
        var errors = 0
    }

    private let totals = NIOLockedValueBox(Totals())

    func add(sent: Int = 0, confirmed: Int = 0, received: Int = 0, receivedBytes: Int = 0, errors: Int = 0) {
        totals.withLockedValue {
            $0.sent += sent
            $0.confirmed += confirmed
            $0.received += received
            $0.receivedBytes += receivedBytes
            $0.errors += errors
        }
    }

    var snapshot: Totals { totals.withLockedValue { $0 } }
}
