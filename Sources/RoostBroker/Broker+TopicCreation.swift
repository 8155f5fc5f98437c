import Dispatch
import Logging
import NIOConcurrencyHelpers
import RoostStorage

/// Creating a topic's log off the caller's thread. The log is file I/O (a directory, a configuration file,
/// fsyncs), so a first publish must not do it on the event loop that called it. While it runs the registry
/// holds a ``TopicCreation`` placeholder under the name: publishes to the topic from any thread queue in it and
/// are handed the topic in arrival order; the topic enters the registry only when none is left waiting, so a
/// publish arriving later can never append before one that waited.
extension Broker {
    private enum CreationStep {
        case exists(Topic)
        case waiting
        case start
    }

    /// Calls `body` with the topic for a publish to `name`: on the caller's thread when it exists (or cannot be
    /// made), otherwise on the broker's creation queue once the auto-created log exists (always allowed for
    /// the broker's own `$` topics). Publishes waiting for one topic get it in the order they called.
    func whenTopicReady(_ name: String, system: Bool, _ body: @escaping TopicCreation.Waiter) {
        let step: CreationStep
        do throws(BrokerError) {
            if let topic = registry.withLockedValue({ $0.topics[name] }) { return body(.success(topic)) }
            try TopicName.validate(name, allowSystem: system)
            guard system || configuration.autoCreateTopics else {
                throw BrokerError(code: .topicNotFound, message: "topic '\(name)' does not exist")
            }
            let limit = configuration.maxTopicCreateWaiters
            step = try registry.withLockedValueThrowing { registry throws(BrokerError) -> CreationStep in
                try ensureRunning(registry)
                if let topic = registry.topics[name] { return .exists(topic) }
                guard let waiting = registry.creating[name]?.waiters.count else {
                    registry.creating[name] = TopicCreation(waiters: [body])
                    return .start
                }
                guard waiting < limit else {
                    throw BrokerError.storage(
                        LogError(code: .overloaded, message: "\(limit) publishes already wait for topic '\(name)' to be created"),
                        "waiting for topic '\(name)'")
                }
                registry.creating[name]?.waiters.append(body)
                return .waiting
            }
        } catch {
            return body(.failure(error))
        }
        switch step {
        case .exists(let topic): body(.success(topic))
        case .waiting: break
        case .start: creationQueue.async { self.autoCreate(name) }
        }
    }

    /// Creates the log of an auto-created topic (blocking; on the creation queue) and hands it to its waiters.
    private func autoCreate(_ name: String) {
        finishCreation(name, Result { () throws(BrokerError) in try makeTopic(name, configuration: nil, autoCreated: true) })
    }

    /// Creates the log of topic `name` in the store and the broker's ``Topic`` over it, not yet registered.
    /// Blocking file I/O: call it with the name's placeholder in the registry and without the registry lock.
    /// An auto-create adopts a log the store has already (left by a delete that has not removed it yet).
    func makeTopic(_ name: String, configuration logConfiguration: LogConfiguration?, autoCreated: Bool) throws(BrokerError) -> Topic {
        let log: any TopicLog
        do {
            log = try store.createLog(named: name, configuration: logConfiguration ?? configuration.defaultTopicConfiguration)
        } catch let error as LogError where error.code == .alreadyExists {
            guard autoCreated, let existing = store.log(named: name) else {
                throw BrokerError(code: .topicExists, message: "topic '\(name)' exists in the store")
            }
            log = existing
        } catch {
            throw BrokerError.storage(error, "creating topic '\(name)'")
        }
        return Topic(name: name, log: log, autoCreated: autoCreated, createdAt: clock.nowMilliseconds(), configuration: configuration,
                     readCache: readCache)
    }

    /// Ends the placeholder of `name`: hands `result` to every waiter, in order, on this thread (a waiter's
    /// publish only queues an append), including those that arrive meanwhile; then, with none left, registers
    /// the topic and attaches the consumers whose filter matches it (or, on failure, drops the placeholder, so
    /// that a later publish tries again) and saves the topic metadata.
    func finishCreation(_ name: String, _ result: Result<Topic, BrokerError>) {
        while true {
            let waiters: [TopicCreation.Waiter]? = registry.withLockedValue { registry in
                if let waiters = registry.creating[name]?.waiters, !waiters.isEmpty {
                    registry.creating[name]?.waiters = []
                    return waiters
                }
                registry.creating[name] = nil
                if case .success(let topic) = result { register(topic, in: &registry) }
                return nil
            }
            guard let waiters else { break }
            for waiter in waiters { waiter(result) }
        }
        if case .success = result { saveTopicMetadata(name) }
    }

    /// Ends the placeholder a delete held while it removed the log: publishes that arrived meanwhile create the
    /// topic anew (they were accepted as auto-creates); without any, the name is free.
    func finishDeletion(_ name: String) {
        let recreate = registry.withLockedValue { registry in
            guard let waiters = registry.creating[name]?.waiters, !waiters.isEmpty else {
                registry.creating[name] = nil
                return false
            }
            return true
        }
        if recreate { creationQueue.async { self.autoCreate(name) } }
    }

    private func register(_ topic: Topic, in registry: inout Registry) {
        registry.topics[topic.name] = topic
        registry.metadata[topic.name] = .init(autoCreated: topic.autoCreated, createdAt: topic.createdAt)
        for consumer in registry.filters.match(topic.name) {
            consumer.attach(TopicCursor(topic: topic, position: topic.log.startOffset))
        }
    }

    /// Writes `topics.json` outside the registry lock (an atomic file write with fsyncs); the metadata is read
    /// under the state store's write lock, so concurrent saves land in order and the file ends up current.
    func saveTopicMetadata(_ name: String) {
        do {
            try stateStore.saveTopics { registry.withLockedValue { $0.metadata } }
        } catch {
            logger.error("topic metadata not saved", metadata: ["topic": "\(name)", "error": "\(error)"])
        }
    }
}
