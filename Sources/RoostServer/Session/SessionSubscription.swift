import NIOCore
import RoostBroker

/// One open subscription of a session, on the session's event loop: what the broker handed over and the
/// session has not yet written. The queue never holds more than the subscription's in-flight limit, because
/// the broker delivers only within credit and credit comes back only once messages are written (ack none) or
/// acked (explicit).
final class SessionSubscription {
    /// An entry waiting to be written, in the order the broker produced it.
    enum Item {
        /// One `deliver` call's batch, kept whole (no per-message queue entry); written up to message `at` of run
        /// `run`. `runs`: the batch's block segments, encoded already off the event loop (a batch read from the log,
        /// see ``SubscriptionSink/deliverFromLog(_:)``).
        case deliveries(DeliveryBatch, run: Int, at: Int, runs: [SubscriptionSink.Run]?)
        case caughtUp(topic: String, offset: Int64)
        /// Offsets damaged on disk and skipped: written as an `error` frame with code `data_loss`.
        case skipped(topic: String, offsets: Range<Int64>)
    }

    /// The local key (its `SubscriptionSink` posts under it).
    let key: Int
    /// The id the client sees (`s1`, `s2`, ...).
    let name: String
    /// The broker's handle: acks, nacks, credit, close.
    let subscription: Subscription
    /// The topic or pattern subscribed to.
    let filter: String
    /// Whether `filter` is a pattern (acks must then name their topic).
    let isPattern: Bool
    /// Messages per delivery frame: 1 = `message` frames, more = `messages` frames.
    let batch: Int
    /// Ack policy none: the session grants credit back as it writes.
    let grantsCredit: Bool
    /// Whether the subscribe `ok` is written; deliveries wait for it.
    var announced = false
    /// What waits to be written; holds no storage while empty (an idle subscription costs no buffer).
    var queue = LazyQueue<Item>()

    init(key: Int, subscription: Subscription, filter: String, batch: Int, grantsCredit: Bool) {
        self.key = key
        self.name = "s\(key)"
        self.subscription = subscription
        self.filter = filter
        self.isPattern = filter.contains("*") || filter.contains(">")
        self.batch = batch
        self.grantsCredit = grantsCredit
    }
}
