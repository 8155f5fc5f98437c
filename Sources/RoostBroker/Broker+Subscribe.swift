import Atomics
import Dispatch
import NIOConcurrencyHelpers
import RoostStorage

/// Subscribing: creating or joining a consumer and attaching a member to it.
extension Broker {
    /// Attaches a subscriber. With `request.consumer` `nil` an ephemeral consumer is created for it; with a
    /// name the durable consumer is created (at `request.start`) or joined (resuming at its ack floor; its
    /// filter and ack policy must match: `consumerMismatch`). Delivery starts at once on a reader queue.
    ///
    /// A `.time` start reads the time index of each matching topic on the caller's thread: from an event loop,
    /// use ``immediateStart(for:)`` / ``findStart(for:completion:)`` and ``subscribe(_:from:sink:)`` instead.
    public func subscribe(_ request: SubscriptionRequest, sink: any DeliverySink) throws(BrokerError) -> Subscription {
        return try subscribe(request, from: try startNow(request), sink: sink)
    }

    /// Checks `request` and returns where it starts in each topic it matches now, when that needs no file I/O;
    /// `nil` when it does (a `.time` start for a new consumer on existing topics): then ``findStart(for:completion:)``.
    /// Throws what ``subscribe(_:sink:)`` throws for a bad request.
    public func immediateStart(for request: SubscriptionRequest) throws(BrokerError) -> SubscriptionStart? {
        try validate(request)
        let candidates = candidateTopics(request)
        if case .time = request.start, !candidates.isEmpty { return nil }
        return try SubscriptionStart(positions: positions(candidates, request.start))
    }

    /// Finds where `request` starts (reading time indexes) on a broker reader queue, which may block on the disk,
    /// and calls `completion` there. Pass the start to ``subscribe(_:from:sink:)``.
    public func findStart(for request: SubscriptionRequest, completion: @escaping @Sendable (Result<SubscriptionStart, BrokerError>) -> Void) {
        let queue = readerQueues[Int(UInt(bitPattern: (request.consumer ?? request.filter).hashValue) % UInt(readerQueues.count))]
        queue.async {
            do throws(BrokerError) {
                completion(.success(try self.startNow(request)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    /// Attaches a subscriber as ``subscribe(_:sink:)`` does, starting at `start` (from ``immediateStart(for:)``
    /// or ``findStart(for:completion:)`` of the same request). No file I/O. A topic created since the start was
    /// found is followed from its first message; a position outside a topic's log now is moved into it.
    public func subscribe(_ request: SubscriptionRequest, from start: SubscriptionStart, sink: any DeliverySink) throws(BrokerError) -> Subscription {
        try validate(request)
        let id = nextID.loadThenWrappingIncrement(ordering: .relaxed)
        let settings = Consumer.Settings(
            filter: request.filter, ackPolicy: request.ackPolicy, ackWaitMilliseconds: request.ackWaitMilliseconds,
            maxDeliveries: request.maxDeliveries)
        let positions = start.positions
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
                let log = topic.log
                let position = positions[topic.name].map { min(max($0, log.startOffset), log.endOffset) } ?? log.startOffset
                consumer.attach(TopicCursor(topic: topic, position: position))
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

    private func validate(_ request: SubscriptionRequest) throws(BrokerError) {
        try TopicName.validatePattern(request.filter)
        if let name = request.consumer { try TopicName.validateConsumerName(name) }
        guard (1...configuration.maxInFlightLimit).contains(request.maxInFlight) else {
            throw BrokerError(code: .invalidConfiguration, message: "maxInFlight must be 1...\(configuration.maxInFlightLimit)")
        }
        guard request.ackWaitMilliseconds > 0, (request.maxDeliveries ?? 1) >= 1 else {
            throw BrokerError(code: .invalidConfiguration, message: "ackWait must be positive and maxDeliveries at least 1")
        }
    }

    /// The topics a new consumer for `request` would follow now; none when it joins an existing consumer.
    private func candidateTopics(_ request: SubscriptionRequest) -> [Topic] {
        registry.withLockedValue { registry in
            if let name = request.consumer, registry.consumers[name] != nil { return [] }
            return registry.topics.values.filter { TopicName.matches($0.name, pattern: request.filter) }
        }
    }

    /// The start of `request` with its time lookups done: blocking reads, on the caller's thread.
    private func startNow(_ request: SubscriptionRequest) throws(BrokerError) -> SubscriptionStart {
        if let start = try immediateStart(for: request) { return start }
        return try SubscriptionStart(positions: positions(candidateTopics(request), request.start))
    }

    private func positions(_ topics: [Topic], _ start: StartPosition) throws(BrokerError) -> [String: Int64] {
        var positions: [String: Int64] = [:]
        for topic in topics { positions[topic.name] = try startOffset(start, in: topic.log) }
        return positions
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
