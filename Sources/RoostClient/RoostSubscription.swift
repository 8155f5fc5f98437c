import RoostProtocol

/// An open subscription: an `AsyncSequence` of ``SubscriptionEvent``s (messages and caught-up markers),
/// plus acks. Iterate it from one task. It survives reconnects: a durable consumer resumes from the
/// position the broker stored; an ephemeral one on a single topic continues after the last message it
/// received. The sequence ends (returns `nil`) after ``unsubscribe()`` or ``RoostClient/close()``, and
/// throws if the broker refuses the subscription after a reconnect (e.g. the topic was deleted).
///
/// Memory is bounded by ``SubscriptionOptions/maxInflight``: the subscription never buffers more messages
/// than that, across reconnects too, because the client grants the broker more credit only as the
/// application consumes messages (ack policy none) or acks them (explicit).
public final class RoostSubscription: AsyncSequence, Sendable {
    /// The element type.
    public typealias Element = SubscriptionEvent

    /// What was asked for.
    public var options: SubscriptionOptions { core.options }

    let client: RoostClient
    let core: SubscriptionCore

    init(client: RoostClient, core: SubscriptionCore) {
        self.client = client
        self.core = core
    }

    deinit {
        client.detach(core)
    }

    /// Iterates the events.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: RoostSubscription

        /// The next event; `nil` when the subscription has ended or the task was cancelled.
        public mutating func next() async throws -> SubscriptionEvent? {
            let (event, grant) = try await subscription.core.next()
            if let grant { subscription.client.sendCredit(grant, for: subscription.core) }
            return event
        }
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(subscription: self)
    }

    /// Only the messages, skipping caught-up markers.
    public var messages: AsyncCompactMapSequence<RoostSubscription, ReceivedMessage> {
        compactMap { if case .message(let m) = $0 { m } else { nil } }
    }

    /// Acknowledges one message (ack policy explicit). Fire-and-forget: an ack lost with the connection
    /// means a redelivery, which is what at-least-once promises.
    public func ack(_ message: ReceivedMessage) {
        client.sendOnCurrentConnection(.ack(AckFrame(sub: message.sub, topic: message.topic, offset: message.offset)))
    }

    /// Acknowledges `message` and every earlier message of its topic on this subscription.
    public func ackCumulative(upTo message: ReceivedMessage) {
        client.sendOnCurrentConnection(
            .ack(AckFrame(sub: message.sub, topic: message.topic, offset: message.offset, cumulative: true)))
    }

    /// Rejects a message: the broker redelivers it (after `delay`, if given), and moves it to the
    /// dead-letter topic once it has been delivered `maxDeliveries` times.
    public func nack(_ message: ReceivedMessage, delay: Duration? = nil) {
        client.sendOnCurrentConnection(.nack(NackFrame(
            sub: message.sub, topic: message.topic, offset: message.offset,
            delayMilliseconds: delay.map { UInt64(Swift.max(0, $0.seconds * 1000)) })))
    }

    /// Closes the subscription and waits for the broker's confirm (if connected). A durable consumer keeps
    /// its position. The sequence ends after the events already buffered.
    public func unsubscribe() async throws {
        try await client.unsubscribe(core)
    }
}
