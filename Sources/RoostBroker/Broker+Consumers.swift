import NIOConcurrencyHelpers
import RoostStorage

/// Consumer administration.
extension Broker {
    /// Every consumer (durable and ephemeral), sorted by name.
    public func listConsumers() -> [ConsumerDescription] {
        registry.withLockedValue { Array($0.consumers.values) }.map { $0.describe() }.sorted { $0.name < $1.name }
    }

    /// Per-topic ack floor, in-flight and unacked counts and lag. Throws `consumerNotFound`.
    public func describeConsumer(_ name: String) throws(BrokerError) -> ConsumerDescription {
        try existingConsumer(name).describe()
    }

    /// Moves a durable consumer to `position` in every topic it follows, forgetting acks and in-flight state.
    /// Only while no member is attached (`consumerBusy`), so that no delivery races the move.
    public func resetConsumer(_ name: String, to position: StartPosition) throws(BrokerError) {
        let consumer = try existingConsumer(name)
        try consumer.reset { topic in
            do throws(BrokerError) { return try self.startOffset(position, in: topic.log) } catch { throw error }
        }
        if consumer.durable { stateStore.markDirty(consumer) }
    }

    /// Deletes a consumer and its stored state. Attached subscriptions are closed with reason
    /// `consumerDeleted`.
    public func deleteConsumer(_ name: String) throws(BrokerError) {
        let consumer = try existingConsumer(name)
        removeConsumer(consumer)
        let members = consumer.removeAllMembers()
        for member in members { member.sink.subscriptionClosed(reason: .consumerDeleted) }
        if consumer.durable { try stateStore.deleteConsumer(consumer) }
    }

    private func existingConsumer(_ name: String) throws(BrokerError) -> Consumer {
        guard let consumer = registry.withLockedValue({ $0.consumers[name] }) else {
            throw BrokerError(code: .consumerNotFound, message: "consumer '\(name)' does not exist")
        }
        return consumer
    }
}
