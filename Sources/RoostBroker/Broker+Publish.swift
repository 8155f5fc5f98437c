import Atomics
import CoreMetrics
import Logging
import NIOCore
import RoostStorage

/// Publishing: validation, auto-create, dedup, one log append per call, live fan-out of the result.
extension Broker {
    /// Appends `messages` to `topic` as one log append (the log's group commit merges concurrent calls) and
    /// calls `completion` with each message's offset once they are stored (fdatasync'ed under fsync `always`).
    /// Messages with a dedup id seen within the window are not appended again: they get the original offset
    /// and `duplicate: true`. `completion` runs on a storage thread or, for errors found before the append,
    /// on the caller's thread.
    public func publish(
        topic name: String, messages: [PublishMessage],
        completion: @escaping @Sendable (Result<PublishConfirm, BrokerError>) -> Void
    ) {
        do {
            try validate(messages)
            let topic = try topicForPublish(name, system: false)
            if messages.contains(where: { $0.dedupId != nil }) {
                publishWithDedup(topic, messages, completion: completion)
            } else {
                append(topic, messages.map { Record(key: $0.key, headers: $0.headers, value: $0.payload) }) { result in
                    completion(result.map { appended in
                        PublishConfirm(
                            topic: name,
                            messages: (0..<appended.count).map {
                                PublishedMessage(offset: appended.baseOffset + Int64($0), timestamp: appended.timestamp, duplicate: false)
                            },
                            durable: appended.durable)
                    })
                }
            }
        } catch {
            completion(.failure(error))
        }
    }

    /// Async form of `publish(topic:messages:completion:)`.
    public func publish(topic: String, messages: [PublishMessage]) async throws(BrokerError) -> PublishConfirm {
        let result = await withCheckedContinuation { continuation in
            publish(topic: topic, messages: messages) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    private func validate(_ messages: [PublishMessage]) throws(BrokerError) {
        if messages.isEmpty { throw BrokerError(code: .emptyBatch, message: "a publish needs at least one message") }
        if messages.count > configuration.maxBatchMessages {
            throw BrokerError(code: .batchTooLarge, message: "\(messages.count) messages exceed the limit of \(configuration.maxBatchMessages)")
        }
        var total = 0
        for message in messages {
            let size = message.sizeInBytes
            if size > configuration.maxMessageBytes {
                throw BrokerError(code: .messageTooLarge, message: "a message of \(size) bytes exceeds the limit of \(configuration.maxMessageBytes)")
            }
            total += size
        }
        if total > configuration.maxBatchBytes {
            throw BrokerError(code: .batchTooLarge, message: "\(total) bytes exceed the batch limit of \(configuration.maxBatchBytes)")
        }
    }

    private func publishWithDedup(
        _ topic: Topic, _ messages: [PublishMessage], completion: @escaping @Sendable (Result<PublishConfirm, BrokerError>) -> Void
    ) {
        let join = PublishJoin(topic: topic.name, count: messages.count, completion: completion)
        let claims = topic.dedup.claim(messages.map(\.dedupId), now: clock.nowMilliseconds()) { index in
            { join.set(index, $0) }
        }
        var freshIndexes: [Int] = []
        var duplicates = 0
        for (index, claim) in claims.enumerated() {
            switch claim {
            case .fresh: freshIndexes.append(index)
            case .duplicate(let original): join.set(index, .success(original)); duplicates += 1
            case .waiting: duplicates += 1
            }
        }
        if duplicates > 0 { counters.duplicates.wrappingIncrement(by: Int64(duplicates), ordering: .relaxed) }
        let fresh = freshIndexes
        guard !fresh.isEmpty else { return }
        let records = fresh.map { index in
            let message = messages[index]
            var headers = message.headers
            if let id = message.dedupId { headers.append(RecordHeader(name: BrokerHeaders.dedupId, value: id)) }
            return Record(key: message.key, headers: headers, value: message.payload)
        }
        append(topic, records) { result in
            let ids = fresh.enumerated().compactMap { position, index in messages[index].dedupId.map { (position, $0) } }
            switch result {
            case .success(let appended):
                let calls = topic.dedup.resolve(ids.map { ($0.1, appended.baseOffset + Int64($0.0), appended.timestamp) })
                for (position, index) in fresh.enumerated() {
                    let offset = appended.baseOffset + Int64(position)
                    join.set(index, .success(PublishedMessage(offset: offset, timestamp: appended.timestamp, duplicate: false)), durable: appended.durable)
                }
                for call in calls { call() }
            case .failure(let error):
                let calls = topic.dedup.abandon(ids.map(\.1), error: error)
                for index in fresh { join.set(index, .failure(error)) }
                for call in calls { call() }
            }
        }
    }

    /// One log append; on success the stored messages go to the live fan-out before `completion` runs.
    func append(_ topic: Topic, _ records: [Record], completion: @escaping @Sendable (Result<AppendResult, BrokerError>) -> Void) {
        topic.log.append(records) { [fanOut, counters] result in
            switch result {
            case .success(let appended):
                let stored = records.enumerated().map { index, record in
                    StoredRecord(
                        offset: appended.baseOffset + Int64(index), timestamp: appended.timestamp,
                        key: record.key, headers: record.headers, value: record.value)
                }
                let messages = MessageBlock.messages(topic: topic.name, records: stored)
                topic.messagesIn.increment(by: records.count)
                counters.messagesIn.wrappingIncrement(by: Int64(records.count), ordering: .relaxed)
                fanOut.publish(topic: topic.name, messages: messages)
                completion(.success(appended))
            case .failure(let error):
                completion(.failure(BrokerError.storage(error, "appending to '\(topic.name)'")))
            }
        }
    }

    /// Stores messages given up on (max deliveries, terminated) in the consumer's dead-letter topic (`$dlq.<consumer>`,
    /// `$dlq` for ephemeral consumers), with headers saying where they came from and why, then acks them.
    func deadLetter(_ consumer: Consumer, _ entries: [DeadLetter]) {
        let name = consumer.durable ? TopicName.deadLetterTopic(forConsumer: consumer.name) : "$dlq"
        let topic: Topic
        do {
            topic = try topicForPublish(name, system: true)
        } catch {
            logger.error("dead-letter topic unavailable", metadata: ["topic": "\(name)", "error": "\(error)"])
            for entry in entries { consumer.deadLetterFailed(topic: entry.message.topic, message: entry.message, deliveries: entry.deliveries) }
            return
        }
        let records = entries.map { entry in
            let record = entry.message.record
            return Record(key: record.key, headers: record.headers + [
                RecordHeader(name: BrokerHeaders.deadLetterTopic, value: entry.message.topic),
                RecordHeader(name: BrokerHeaders.deadLetterOffset, value: String(record.offset)),
                RecordHeader(name: BrokerHeaders.deadLetterConsumer, value: consumer.name),
                RecordHeader(name: BrokerHeaders.deadLetterReason, value: entry.reason.rawValue),
                RecordHeader(name: BrokerHeaders.deadLetterDeliveries, value: String(entry.deliveries)),
            ], value: record.value)
        }
        append(topic, records) { result in
            for entry in entries {
                switch result {
                case .success: consumer.deadLettered(topic: entry.message.topic, offset: entry.message.offset)
                case .failure: consumer.deadLetterFailed(topic: entry.message.topic, message: entry.message, deliveries: entry.deliveries)
                }
            }
        }
    }
}
