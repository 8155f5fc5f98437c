import NIOConcurrencyHelpers
import RoostStorage

/// Consumer administration the admin API needs beyond `Broker+Consumers.swift`: a reset limited to one topic
/// and the in-flight limit of the attached members.
extension Broker {
    /// Moves a consumer to `position` in `topic` only, forgetting acks and in-flight state there; its other
    /// topics keep their positions. Only while no member is attached (`consumerBusy`). Throws
    /// `consumerNotFound`, or `topicNotFound` when the consumer does not follow `topic`.
    public func resetConsumer(_ name: String, to position: StartPosition, topic: String) throws(BrokerError) {
        guard let consumer = registry.withLockedValue({ $0.consumers[name] }) else {
            throw BrokerError(code: .consumerNotFound, message: "consumer '\(name)' does not exist")
        }
        try consumer.state.withLockedValueThrowing { state throws(BrokerError) in
            guard state.members.isEmpty else {
                throw BrokerError(code: .consumerBusy, message: "consumer '\(name)' has attached members")
            }
            guard var cursor = state.cursors[topic] else {
                throw BrokerError(code: .topicNotFound, message: "consumer '\(name)' does not follow topic '\(topic)'")
            }
            cursor.reset(to: try startOffset(position, in: cursor.topic.log))
            state.cursors[topic] = cursor
        }
        if consumer.durable { stateStore.markDirty(consumer) }
    }

    /// The largest `maxInFlight` among the consumer's attached members, or `nil` when none is attached (the
    /// limit belongs to each subscription, not to the consumer).
    public func consumerMaxInFlight(_ name: String) -> Int? {
        guard let consumer = registry.withLockedValue({ $0.consumers[name] }) else { return nil }
        return consumer.state.withLockedValue { state in state.members.values.map(\.maxInFlight).max() }
    }
}
