import Atomics
import NIOConcurrencyHelpers
import RoostStorage

/// Subscribing: creating or joining a consumer and attaching a member to it.
extension Broker {
    /// Attaches a subscriber. With `request.consumer` `nil` an ephemeral consumer is created for it; with a
    /// name the durable consumer is created (at `request.start`) or joined (resuming at its ack floor; its
    /// filter and ack policy must match: `consumerMismatch`). Delivery starts at once on a reader queue.
    public func subscribe(_ request: SubscriptionRequest, sink: any DeliverySink) throws(BrokerError) -> Subscription {
        try TopicName.validatePattern(request.filter)
        if let name = request.consumer { try TopicName.validateConsumerName(name) }
        guard (1...configuration.maxInFlightLimit).contains(request.maxInFlight) else {
            throw BrokerError(code: .invalidConfiguration, message: "maxInFlight must be 1...\(configuration.maxInFlightLimit)")
        }
        guard request.ackWaitMilliseconds > 0, (request.maxDeliveries ?? 1) >= 1 else {
            throw BrokerError(code: .invalidConfiguration, message: "ackWait must be positive and maxDeliveries at least 1")
        }
        let id = nextID.loadThenWrappingIncrement(ordering: .relaxed)
        let settings = Consumer.Settings(
            filter: request.filter, ackPolicy: request.ackPolicy, ackWaitMilliseconds: request.ackWaitMilliseconds,
            maxDeliveries: request.maxDeliveries)
        // Start positions are found before taking the registry lock: `.time` reads the log's time index.
        let candidates: [Topic] = registry.withLockedValue { registry in
            if let name = request.consumer, registry.consumers[name] != nil { return [] }
            return registry.topics.values.filter { TopicName.matches($0.name, pattern: request.filter) }
        }
        var positions: [String: Int64] = [:]
        for topic in candidates { positions[topic.name] = try startOffset(request.start, in: topic.log) }
        let (consumer, created) = try registry.withLockedValueThrowing { registry throws(BrokerError) -> (Consumer, Bool) in
            try ensureRunning(registry)
            if let name = request.consumer, let existing = registry.consumers[name] {
                guard existing.settings.filter == settings.filter, existing.settings.ackPolicy == settings.ackPolicy else {
                    throw BrokerError(
                        code: .consumerMismatch,
                        message: "consumer '\(name)' follows '\(existing.settings.filter)' with ack \(existing.settings.ackPolicy.rawValue)")
                }
                guard existing.memberCount < configuration.maxMembersPerConsumer else {
                    throw BrokerError(code: .tooManyMembers, message: "consumer '\(name)' has \(configuration.maxMembersPerConsumer) members")
                }
                return (existing, false)
            }
            let name = request.consumer ?? "~\(id)"
            let consumer = makeConsumer(name: name, durable: request.consumer != nil, settings: settings, createdAt: clock.nowMilliseconds())
            registry.consumers[name] = consumer
            registry.filters.insert(consumer, pattern: request.filter)
            for topic in registry.topics.values where TopicName.matches(topic.name, pattern: request.filter) {
                // A topic created since the positions were found is new: all of it is after the subscription.
                consumer.attach(TopicCursor(topic: topic, position: positions[topic.name] ?? topic.log.startOffset))
            }
            return (consumer, true)
        }
        if created, consumer.durable { stateStore.markDirty(consumer) }
        consumer.addMember(ConsumerMember(id: id, sink: sink, maxInFlight: request.maxInFlight,
                                           credit: min(max(0, request.initialCredit ?? request.maxInFlight), request.maxInFlight)))
        return Subscription(id: id, consumer: consumer, sink: sink) { [weak self] consumer, member in
            self?.detach(member: member, from: consumer)
        }
    }

    func startOffset(_ start: StartPosition, in log: any TopicLog) throws(BrokerError) -> Int64 {
        switch start {
        case .earliest: return log.startOffset
        case .latest: return log.endOffset
        case .offset(let offset): return min(max(offset, log.startOffset), log.endOffset)
        case .time(let timestamp):
            do {
                return max(try log.offset(forTimestamp: timestamp), log.startOffset)
            } catch {
                throw BrokerError.storage(error, "finding time \(timestamp) in '\(log.name)'")
            }
        }
    }

    private func detach(member: Int, from consumer: Consumer) {
        let remaining = consumer.removeMember(member).remaining
        guard !consumer.durable, remaining == 0 else { return }
        removeConsumer(consumer)
    }

    func removeConsumer(_ consumer: Consumer) {
        let (topics, removed) = registry.withLockedValue { registry in
            guard registry.consumers[consumer.name] === consumer else { return (consumer.topicNames, false) }
            registry.consumers[consumer.name] = nil
            registry.filters.remove(consumer, pattern: consumer.settings.filter)
            return (consumer.topicNames, true)
        }
        for topic in topics { consumer.detach(topic: topic) }
        if removed { consumer.metrics.destroy() }
    }
}
