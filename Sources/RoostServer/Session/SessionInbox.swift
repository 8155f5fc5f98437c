import NIOCore
import RoostBroker
import NIOConcurrencyHelpers

/// Where storage threads (publish confirms) and broker reader queues (deliveries) hand work to one session.
///
/// Events collect in a small lock-protected array; the first event after a drain schedules one task on the
/// session's event loop, which takes everything at once. So a burst of confirms or deliveries costs one
/// event-loop hop and one flush, not one per confirm or message. The array is bounded by what the session lets
/// be outstanding: its pending publish limit and each subscription's in-flight credit.
final class SessionInbox: Sendable {
    /// Something that happened off the event loop.
    enum Event: Sendable {
        /// A publish request completed.
        case published(PublishTicket, Result<PublishConfirm, BrokerError>)
        /// Deliveries for the subscription with local key `subscription`.
        case delivered(subscription: Int, deliveries: [Delivery])
        /// The subscription reached the tail of `topic`.
        case caughtUp(subscription: Int, topic: String, offset: Int64)
        /// The broker ended the subscription.
        case closed(subscription: Int, reason: SubscriptionCloseReason)
        /// Offsets of `topic` damaged on disk were skipped for the subscription.
        case skipped(subscription: Int, topic: String, offsets: Range<Int64>)
    }

    private struct State {
        var events: [Event] = []
        var scheduled = false
        var drain: (@Sendable () -> Void)?
    }

    private let eventLoop: any EventLoop
    private let state = NIOLockedValueBox(State())

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Sets what runs on the event loop to take the events (the session's drain). Until then, and after
    /// ``detach()``, events are dropped.
    func attach(_ drain: @escaping @Sendable () -> Void) {
        state.withLockedValue { $0.drain = drain }
    }

    /// Drops the drain (the connection closed), breaking the session ↔ inbox reference cycle.
    func detach() {
        state.withLockedValue { state in
            state.drain = nil
            state.events.removeAll()
        }
    }

    /// Adds an event; schedules a drain if none is pending. Safe from any thread.
    func post(_ event: Event) {
        let drain: (@Sendable () -> Void)? = state.withLockedValue { state in
            guard let drain = state.drain else { return nil }
            state.events.append(event)
            if state.scheduled { return nil }
            state.scheduled = true
            return drain
        }
        if let drain { eventLoop.execute(drain) }
    }

    /// Takes every event posted so far; the next post schedules a new drain. Called by the drain.
    func takeAll() -> [Event] {
        state.withLockedValue { state in
            state.scheduled = false
            var events: [Event] = []
            swap(&events, &state.events)
            return events
        }
    }
}

/// The broker's view of one subscription of a session: forwards everything to the session's inbox. Holds no
/// session state itself, so it is safely `Sendable`.
final class SubscriptionSink: DeliverySink {
    private let inbox: SessionInbox
    private let key: Int

    init(inbox: SessionInbox, key: Int) {
        self.inbox = inbox
        self.key = key
    }

    func deliver(_ deliveries: [Delivery]) {
        inbox.post(.delivered(subscription: key, deliveries: deliveries))
    }

    func caughtUp(topic: String, offset: Int64) {
        inbox.post(.caughtUp(subscription: key, topic: topic, offset: offset))
    }

    func subscriptionClosed(reason: SubscriptionCloseReason) {
        inbox.post(.closed(subscription: key, reason: reason))
    }

    func skippedDamaged(topic: String, offsets: Range<Int64>) {
        inbox.post(.skipped(subscription: key, topic: topic, offsets: offsets))
    }
}
