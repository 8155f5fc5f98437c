import Logging
import NIOConcurrencyHelpers
import RoostStorage

/// Topic administration.
extension Broker {
    /// Creates a topic with `configuration` (the broker's default when `nil`). Throws `topicExists`,
    /// `invalidTopicName`, `reservedTopicName` (`$` names belong to the broker). Consumers whose pattern
    /// matches the new topic start following it from its first message. Blocking file I/O on the caller's
    /// thread; publishes to the name meanwhile wait for it (and get the error if it fails).
    @discardableResult
    public func createTopic(_ name: String, configuration: LogConfiguration? = nil) throws(BrokerError) -> TopicDescription {
        try TopicName.validate(name)
        try registry.withLockedValueThrowing { registry throws(BrokerError) in
            try ensureRunning(registry)
            if registry.topics[name] != nil || registry.creating[name] != nil {
                throw BrokerError(code: .topicExists, message: "topic '\(name)' exists")
            }
            registry.creating[name] = TopicCreation()
        }
        let result = Result { () throws(BrokerError) in try makeTopic(name, configuration: configuration, autoCreated: false) }
        finishCreation(name, result)
        return describe(try result.get())
    }

    /// Start and end offsets, size, settings and origin of a topic. Throws `topicNotFound`.
    public func describeTopic(_ name: String) throws(BrokerError) -> TopicDescription {
        describe(try existingTopic(name))
    }

    /// Every topic, system topics included, sorted by name.
    public func listTopics() -> [TopicDescription] {
        registry.withLockedValue { Array($0.topics.values) }.sorted { $0.name < $1.name }.map(describe)
    }

    /// Changes a topic's log settings (retention, segment size, compression of new batches, fsync). Blocking
    /// file I/O (the log's configuration file) on the caller's thread.
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

    /// Deletes a topic and its log (blocking file I/O on the caller's thread). Consumers stop following it (a
    /// subscription to its exact name stays open and follows a topic re-created under the name).
    public func deleteTopic(_ name: String) throws(BrokerError) {
        let (topic, consumers) = try registry.withLockedValueThrowing { registry throws(BrokerError) in
            try ensureRunning(registry)
            guard let topic = registry.topics.removeValue(forKey: name) else {
                throw BrokerError(code: .topicNotFound, message: "topic '\(name)' does not exist")
            }
            registry.metadata[name] = nil
            // Publishes meanwhile wait, and re-create the topic after the old log is gone, not inside it.
            registry.creating[name] = TopicCreation()
            return (topic, registry.filters.match(name))
        }
        defer { finishDeletion(name) }
        saveTopicMetadata(name)
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
