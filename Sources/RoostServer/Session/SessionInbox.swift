import NIOCore
import RoostBroker
import RoostProtocol
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
        /// Deliveries for the subscription with local key `subscription`, with their segments encoded already
        /// when they were read from the log (`runs`).
        case delivered(subscription: Int, deliveries: DeliveryBatch, runs: [SubscriptionSink.Run]?)
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
        /// Delivery batches the session had queued and not written at the end of its last write turn.
        var unwrittenBatches = 0
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

    /// Whether the session's event loop is behind with deliveries: events wait for its next drain, or delivery batches
    /// were left queued at the end of its last write turn. Safe from any thread.
    var isBehind: Bool {
        state.withLockedValue { !$0.events.isEmpty || $0.unwrittenBatches > 0 }
    }

    /// Notes how many delivery batches the session left queued after a write turn (see ``isBehind``).
    func noteUnwritten(batches: Int) {
        state.withLockedValue { $0.unwrittenBatches = batches }
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
    /// One block segment of a batch, encoded for the subscription's wire encoding.
    struct Run: Sendable {
        let block: MessageBlock
        let segment: Int
        let run: EncodedDeliveryRun
    }

    private let inbox: SessionInbox
    private let key: Int
    /// The subscription's encoding when it writes `messages` frames (built from segment runs); nil otherwise.
    private let encoding: (codec: any FrameCodec, key: MessageEncodingKey)?

    init(inbox: SessionInbox, key: Int, encoding: (codec: any FrameCodec, key: MessageEncodingKey)? = nil) {
        self.inbox = inbox
        self.key = key
        self.encoding = encoding
    }

    func deliver(_ deliveries: DeliveryBatch) {
        inbox.post(.delivered(subscription: key, deliveries: deliveries, runs: nil))
    }

    /// A batch read from the log (a subscription catching up): when the session's event loop is behind (see
    /// ``SessionInbox/isBehind``), its block segments are encoded here, on the broker's reader queue, and travel with
    /// it; otherwise the event loop, which keeps up, encodes them. So the encoding goes to whichever side has time:
    /// a replay is bound by one of the two threads (the reader reading and decoding the log, the event loop writing
    /// the socket), and a fixed split (one segment in three, session 3) left the reader the busier one once encoding
    /// got cheaper (Docs/benchmarks.md, "Session 4: replay").
    func deliverFromLog(_ deliveries: DeliveryBatch) {
        guard let encoding, inbox.isBehind else { return deliver(deliveries) }
        var runs: [Run] = []
        for run in deliveries.runs where run.deliveryCount == 1 {
            // Segment by segment: the first message of each block segment the run touches, no walk per message.
            var position = run.messages.startIndex
            while position < run.messages.endIndex {
                let message = run.messages[position]
                let block = message.block
                let segment = message.index / MessageBlock.segmentSize
                position += block.segmentRange(segment).upperBound - message.index
                if let last = runs.last, last.block === block, last.segment == segment { continue }
                let encoded = BrokerSession.encodedRun(of: block, segment: segment, codec: encoding.codec, key: encoding.key)
                runs.append(Run(block: block, segment: segment, run: encoded))
            }
        }
        inbox.post(.delivered(subscription: key, deliveries: deliveries, runs: runs.isEmpty ? nil : runs))
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
