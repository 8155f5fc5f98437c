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
        try registry.withLockedValueThrowing { registry throws(BrokerError) in
            try ensureRunning(registry)
            if registry.topics[name] != nil { throw BrokerError(code: .topicExists, message: "topic '\(name)' exists") }
        }
        let log = try createLog(name, configuration: configuration)
        guard let topic = try install(name, log: log, autoCreated: false) else {
            throw BrokerError(code: .topicExists, message: "topic '\(name)' exists")
        }
        return describe(topic)
    }

    /// The topic for a publish: existing, or auto-created when the configuration allows (always for the
    /// broker's own `$` topics).
    ///
    /// Creating a log is file I/O (a directory, a configuration file, fsyncs), so it runs outside the registry
    /// lock: publishes to other topics never wait for it. Two first publishes may race: the store lets one
    /// create the log and the other finds it there; whichever installs it first in the registry wins, and
    /// both get the same topic.
    func topicForPublish(_ name: String, system: Bool) throws(BrokerError) -> Topic {
        if let topic = registry.withLockedValue({ $0.topics[name] }) { return topic }
        try TopicName.validate(name, allowSystem: system)
        guard system || configuration.autoCreateTopics else {
            throw BrokerError(code: .topicNotFound, message: "topic '\(name)' does not exist")
        }
        try registry.withLockedValueThrowing { registry throws(BrokerError) in try ensureRunning(registry) }
        let log: any TopicLog
        do {
            log = try createLog(name, configuration: nil)
        } catch where error.code == .topicExists {
            // Another first publish created the log a moment ago.
            if let topic = registry.withLockedValue({ $0.topics[name] }) { return topic }
            guard let existing = store.log(named: name) else { throw error }
            log = existing
        }
        if let topic = try install(name, log: log, autoCreated: true) { return topic }
        return try existingTopic(name)
    }

    /// Creates the topic's log in the store (file I/O: call without holding the registry lock).
    private func createLog(_ name: String, configuration logConfiguration: LogConfiguration?) throws(BrokerError) -> any TopicLog {
        do {
            return try store.createLog(named: name, configuration: logConfiguration ?? configuration.defaultTopicConfiguration)
        } catch let error as LogError where error.code == .alreadyExists {
            throw BrokerError(code: .topicExists, message: "topic '\(name)' exists in the store")
        } catch {
            throw BrokerError.storage(error, "creating topic '\(name)'")
        }
    }

    /// Registers `log` as topic `name` and attaches matching consumers, under the registry lock; then saves the
    /// topic metadata outside it. Returns `nil` when a topic of that name is registered already (a racing
    /// create won). Throws `topicNotFound` when the store no longer holds a log of that name (deleted meanwhile).
    private func install(_ name: String, log: any TopicLog, autoCreated: Bool) throws(BrokerError) -> Topic? {
        let topic = try registry.withLockedValueThrowing { registry throws(BrokerError) -> Topic? in
            try ensureRunning(registry)
            if registry.topics[name] != nil { return nil }
            // A wrapping store may hand out a new wrapper per call, so only the name is checked, not identity.
            guard store.log(named: name) != nil else {
                throw BrokerError(code: .topicNotFound, message: "topic '\(name)' was deleted while it was being created")
            }
            let createdAt = clock.nowMilliseconds()
            let topic = Topic(name: name, log: log, autoCreated: autoCreated, createdAt: createdAt, configuration: configuration,
                              readCache: readCache)
            registry.topics[name] = topic
            registry.metadata[name] = .init(autoCreated: autoCreated, createdAt: createdAt)
            for consumer in registry.filters.match(name) {
                consumer.attach(TopicCursor(topic: topic, position: log.startOffset))
            }
            return topic
        }
        if topic != nil { saveTopicMetadata(name) }
        return topic
    }

    /// Writes `topics.json` outside the registry lock (an atomic file write with fsyncs); the metadata is read
    /// under the state store's write lock, so concurrent saves land in order and the file ends up current.
    private func saveTopicMetadata(_ name: String) {
        do {
            try stateStore.saveTopics { registry.withLockedValue { $0.metadata } }
        } catch {
            logger.error("topic metadata not saved", metadata: ["topic": "\(name)", "error": "\(error)"])
        }
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
            return (topic, registry.filters.match(name))
        }
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
