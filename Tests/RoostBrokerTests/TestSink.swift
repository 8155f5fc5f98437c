import NIOConcurrencyHelpers
import RoostBroker

/// A `DeliverySink` that records what it gets and lets a test wait for a condition without sleeping.
final class TestSink: DeliverySink {
    enum Mode: Sendable {
        /// Records only.
        case record
        /// Acks each delivery at once (explicit ack policy).
        case ack
        /// Grants back the credit of each batch (ack policy none).
        case credit
    }

    struct Snapshot: Sendable {
        var deliveries: [Delivery] = []
        var count = 0
        var caughtUp: [(topic: String, offset: Int64)] = []
        var closed: SubscriptionCloseReason?
        /// `skippedDamaged` notices, in arrival order.
        var skipped: [(topic: String, offsets: Range<Int64>)] = []
    }

    private struct State: Sendable {
        var snapshot = Snapshot()
        var waiters: [(predicate: @Sendable (Snapshot) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
        var subscription: Subscription?
        /// Deliveries that arrived before `attach`, to ack or credit then.
        var early: [Delivery] = []
    }

    let mode: Mode
    let keepDeliveries: Bool
    let counter: DeliveryCounter?
    private let state = NIOLockedValueBox(State())

    init(mode: Mode = .record, keepDeliveries: Bool = true, counter: DeliveryCounter? = nil) {
        self.mode = mode
        self.keepDeliveries = keepDeliveries
        self.counter = counter
    }

    /// The subscription to ack or credit through (set right after subscribing).
    func attach(_ subscription: Subscription) {
        let early = state.withLockedValue { state in
            state.subscription = subscription
            defer { state.early = [] }
            return state.early
        }
        handle(early, subscription)
    }

    /// Acks or credits first, then records: a test that saw a delivery also sees its ack done.
    func deliver(_ batch: DeliveryBatch) {
        let deliveries = Array(batch)
        let subscription = state.withLockedValue { state in
            if state.subscription == nil { state.early += deliveries }
            return state.subscription
        }
        if let subscription { handle(deliveries, subscription) }
        update { snapshot in
            if keepDeliveries { snapshot.deliveries += deliveries }
            snapshot.count += deliveries.count
        }
        counter?.add(deliveries.count)
    }

    private func handle(_ deliveries: [Delivery], _ subscription: Subscription) {
        guard !deliveries.isEmpty else { return }
        switch mode {
        case .record: break
        case .ack: for delivery in deliveries { try? subscription.ack(topic: delivery.topic, offset: delivery.offset) }
        case .credit: subscription.grantCredit(deliveries.count)
        }
    }

    func caughtUp(topic: String, offset: Int64) {
        update { $0.caughtUp.append((topic, offset)) }
    }

    func subscriptionClosed(reason: SubscriptionCloseReason) {
        update { $0.closed = reason }
    }

    func skippedDamaged(topic: String, offsets: Range<Int64>) {
        update { $0.skipped.append((topic, offsets)) }
    }

    var snapshot: Snapshot { state.withLockedValue { $0.snapshot } }

    /// Returns once `predicate` holds (it runs under the sink's lock: it must not read `snapshot` of this sink) for what was received (checked now and after every event).
    func wait(until predicate: @escaping @Sendable (Snapshot) -> Bool) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state in
                if predicate(state.snapshot) { return true }
                state.waiters.append((predicate, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Waits until at least `count` deliveries arrived.
    func wait(forCount count: Int) async {
        await wait { $0.count >= count }
    }

    private func update(_ body: (inout Snapshot) -> Void) {
        let ready = state.withLockedValue { state in
            body(&state.snapshot)
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                if waiter.predicate(state.snapshot) { ready.append(waiter.continuation); return true }
                return false
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}

extension TestSink.Snapshot {
    /// Delivered offsets of `topic`, in arrival order.
    func offsets(_ topic: String) -> [Int64] { deliveries.filter { $0.topic == topic }.map(\.offset) }
}
