import Atomics

/// One attached subscriber of a consumer: the server holds it for a client's subscription and feeds it the
/// client's acks and credit. Thread-safe; every method returns quickly (the pump does the delivery work).
public final class Subscription: Sendable {
    /// Unique within the broker's lifetime.
    public let id: Int
    /// The consumer's name (a generated `~<id>` for ephemeral consumers).
    public let consumerName: String
    /// Whether the consumer is durable.
    public let durable: Bool
    let consumer: Consumer
    private let sink: any DeliverySink
    private let closed = ManagedAtomic(false)
    private let onClose: @Sendable (Consumer, Int) -> Void

    init(id: Int, consumer: Consumer, sink: any DeliverySink, onClose: @escaping @Sendable (Consumer, Int) -> Void) {
        self.id = id
        self.consumerName = consumer.name
        self.durable = consumer.durable
        self.consumer = consumer
        self.sink = sink
        self.onClose = onClose
    }

    /// Acknowledges one delivered message. Throws `notInFlight` if the consumer has it not in flight (never
    /// delivered, acked already, or redelivered elsewhere after an ack wait expiry), `subscriptionClosed`.
    public func ack(topic: String, offset: Int64) throws(BrokerError) {
        try ensureOpen()
        try consumer.ack(topic: topic, offset: offset)
    }

    /// Acknowledges several delivered messages of `topic` at once (one lock, one wake-up). Every offset that
    /// is in flight is acked; throws `notInFlight` afterwards if some were not.
    public func ack(topic: String, offsets: [Int64]) throws(BrokerError) {
        try ensureOpen()
        try consumer.ack(topic: topic, offsets: offsets)
    }

    /// Work in progress: restarts the ack wait of an in-flight message, so that a long task is not redelivered.
    public func inProgress(topic: String, offset: Int64) throws(BrokerError) {
        try ensureOpen()
        try consumer.inProgress(topic: topic, offset: offset)
    }

    /// Terminate: the message is never redelivered; it goes to the dead-letter topic with reason `terminated`
    /// and then counts as acked.
    public func terminate(topic: String, offset: Int64) throws(BrokerError) {
        try ensureOpen()
        try consumer.terminate(topic: topic, offset: offset)
    }

    /// Acknowledges everything the consumer was delivered on `topic` up to and including `upTo`.
    public func ackCumulative(topic: String, upTo: Int64) throws(BrokerError) {
        try ensureOpen()
        consumer.ackCumulative(topic: topic, upTo: upTo)
    }

    /// Negative ack: the message is redelivered (to any member) at once, or after `delayMilliseconds`.
    public func nack(topic: String, offset: Int64, delayMilliseconds: Int64 = 0) throws(BrokerError) {
        try ensureOpen()
        try consumer.nack(topic: topic, offset: offset, delay: delayMilliseconds)
    }

    /// Ack policy `none`: lets `n` more messages through (the server grants as its socket drains). Credit
    /// never exceeds the subscription's `maxInFlight`. Ignored with explicit acks, where acks give credit back.
    public func grantCredit(_ n: Int) {
        guard !closed.load(ordering: .relaxed) else { return }
        consumer.grantCredit(member: id, n)
    }

    /// Detaches from the consumer: what it had in flight is redelivered to the other members (or kept for the
    /// next one of a durable consumer); an ephemeral consumer ends. The sink gets `subscriptionClosed`.
    /// Idempotent.
    public func close() {
        guard closed.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else { return }
        onClose(consumer, id)
        sink.subscriptionClosed(reason: .unsubscribed)
    }

    /// Marks it closed without detaching (the broker detached it already).
    func markClosed() { closed.store(true, ordering: .sequentiallyConsistent) }

    private func ensureOpen() throws(BrokerError) {
        if closed.load(ordering: .relaxed) {
            throw BrokerError(code: .subscriptionClosed, message: "subscription \(id) is closed")
        }
    }
}
