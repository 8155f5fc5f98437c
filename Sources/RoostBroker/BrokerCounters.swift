import Atomics

/// Broker-wide totals behind `BrokerStats`, updated once per batch.
final class BrokerCounters: Sendable {
    let messagesIn = ManagedAtomic<Int64>(0)
    let messagesOut = ManagedAtomic<Int64>(0)
    let duplicates = ManagedAtomic<Int64>(0)
}
