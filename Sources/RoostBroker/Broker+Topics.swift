import Logging
import NIOConcurrencyHelpers
import RoostStorage

/// Topic administration.
extension Broker {
    /// Creates a topic with `configuration` (the broker's default when `nil`). Throws `topicExists`,
    /// `invalidTopicName`, `reservedTopicName` (`$` names belong to the broker). Consumers whose pattern
    /// matches the new topic start following it from its first message.
    @discardableResult
    public func createTopic(_ name: String, configuration: LogConfiguration? = nil) throws(BrokerError) -> TopicDescription {
        try TopicName.validate(name)
        let topic = try registry.withLockedValueThrowing { registry throws(BrokerError) in
            try ensureRunning(registry)
            if registry.topics[name] != nil { throw BrokerError(code: .topicExists, message: "topic '\(name)' exists") }
            return try createTopicLocked(name, configuration: configuration, autoCreated: false, registry: &registry)
        }
        return describe(topic)
    }

    /// The topic for a publish: existing, or auto-created when the configuration allows (always for the
    /// broker's own `$` topics).
    func topicForPublish(_ name: String, system: Bool) throws(BrokerError) -> Topic {
        if let topic = registry.withLockedValue({ $0.topics[name] }) { return topic }
        try TopicName.validate(name, allowSystem: system)
        guard system || configuration.autoCreateTopics else {
            throw BrokerError(code: .topicNotFound, message: "topic '\(name)' does not exist")
        }
        return try registry.withLockedValueThrowing { registry throws(BrokerError) in
            try ensureRunning(registry)
            if let topic = registry.topics[name] { return topic }
            return try createTopicLocked(name, configuration: nil, autoCreated: true, registry: &registry)
        }
    }

    private func createTopicLocked(
        _ name: String, configuration logConfiguration: LogConfiguration?, autoCreated: Bool, registry: inout Registry
    ) throws(BrokerError) -> Topic {
        let log: any TopicLog
        do {
            log = try store.createLog(named: name, configuration: logConfiguration ?? configuration.defaultTopicConfiguration)
        } catch let error as LogError where error.code == .alreadyExists {
            throw BrokerError(code: .topicExists, message: "topic '\(name)' exists in the store")
        } catch {
            throw BrokerError.storage(error, "creating topic '\(name)'")
        }
        let createdAt = clock.nowMilliseconds()
        let topic = Topic(name: name, log: log, autoCreated: autoCreated, createdAt: createdAt, configuration: configuration,
                          readCache: readCache)
        registry.topics[name] = topic
        registry.metadata[name] = .init(autoCreated: autoCreated, createdAt: createdAt)
        do {
            try stateStore.saveTopics(registry.metadata)
        } catch {
            logger.error("topic metadata not saved", metadata: ["topic": "\(name)", "error": "\(error)"])
        }
        for consumer in registry.filters.match(name) {
            consumer.attach(TopicCursor(topic: topic, position: log.startOffset))
        }
        return topic
    }

    /// Start and end offsets, size, settings and origin of a topic. Throws `topicNotFound`.
    public func describeTopic(_ name: String) throws(BrokerError) -> TopicDescription {
        describe(try existingTopic(name))
    }

    /// Every topic, system topics included, sorted by name.
    public func listTopics() -> [TopicDescription] {
        registry.withLockedValue { Array($0.topics.values) }.sorted { $0.name < $1.name }.map(describe)
    }

    /// Changes a topic's log settings (retention, segment size, compression of new batches, fsync).
    @discardableResult
    public func alterTopic(_ name: String, configuration: LogConfiguration) throws(BrokerError) -> TopicDescription {
        let topic = try existingTopic(name)
        do {
            try topic.log.reconfigure(configuration)
        } catch {
            throw BrokerError.storage(error, "altering topic '\(name)'")
        }
        return describe(topic)
    }

    /// Deletes a topic and its log. Consumers stop following it (a subscription to its exact name stays open
    /// and follows a topic re-created under the name).
    public func deleteTopic(_ name: String) throws(BrokerError) {
        let (topic, consumers) = try registry.withLockedValueThrowing { registry throws(BrokerError) in
            try ensureRunning(registry)
            guard let topic = registry.topics.removeValue(forKey: name) else {
                throw BrokerError(code: .topicNotFound, message: "topic '\(name)' does not exist")
            }
            registry.metadata[name] = nil
            do {
                try stateStore.saveTopics(registry.metadata)
            } catch {
                logger.error("topic metadata not saved", metadata: ["topic": "\(name)", "error": "\(error)"])
            }
            return (topic, registry.filters.match(name))
        }
        for consumer in consumers { consumer.detach(topic: topic.name) }
        fanOut.removeTopic(name)
        do {
            try store.deleteLog(named: name)
        } catch {
            throw BrokerError.storage(error, "deleting topic '\(name)'")
        }
    }

    func existingTopic(_ name: String) throws(BrokerError) -> Topic {
        guard let topic = registry.withLockedValue({ $0.topics[name] }) else {
            throw BrokerError(code: .topicNotFound, message: "topic '\(name)' does not exist")
        }
        return topic
    }

    func describe(_ topic: Topic) -> TopicDescription {
        TopicDescription(
            name: topic.name, startOffset: topic.log.startOffset, endOffset: topic.log.endOffset,
            sizeInBytes: topic.log.sizeInBytes, configuration: topic.log.configuration, autoCreated: topic.autoCreated,
            createdAt: topic.createdAt, system: TopicName.isSystem(topic.name))
    }
}
