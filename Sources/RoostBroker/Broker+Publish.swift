import Atomics
import CoreMetrics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RoostStorage

/// Publishing: validation, auto-create, dedup, one log append per call, live fan-out of the result.
extension Broker {
    /// Appends `messages` to `topic` as one log append (the log's group commit merges concurrent calls) and
    /// calls `completion` with each message's offset once they are stored (fdatasync'ed under fsync `always`).
    /// Messages with a dedup id seen within the window are not appended again: they get the original offset
    /// and `duplicate: true`. `completion` runs on a storage thread, or on the caller's thread: before this returns,
    /// for errors found before the append and when an idle log under fsync `interval` or `never` was written by
    /// the caller itself; under fsync `always`, in the block handed to `endOfTurn`, when the caller writes and
    /// syncs an idle log at the end of its turn (Docs/architecture.md, "Inline writes and event loops"); or on the
    /// broker's creation queue, when the publish waited for an auto-create. `endOfTurn` either takes a block and runs
    /// it on the calling thread once that thread is done with its current work (an event loop: as a task), or
    /// refuses it; `nil` keeps the fdatasyncs of `always` off the calling thread. Call it holding no lock that
    /// `completion` takes.
    ///
    /// Never blocks: a first publish to a topic that does not exist yet creates its log on the broker's creation
    /// queue, and publishes to it that arrive meanwhile are appended after it, in the order they were made.
    public func publish(
        topic name: String, messages: [PublishMessage],
        endOfTurn: InlineWrite.EndOfTurn? = nil,
        completion: @escaping @Sendable (Result<PublishConfirm, BrokerError>) -> Void
    ) {
        let bytes: Int
        do {
            bytes = try validate(messages)
        } catch {
            return completion(.failure(error))
        }
        let inline = bytes <= configuration.inlineWriteMaxBytes
            ? InlineWrite(endOfTurn: endOfTurn, maxSync: .microseconds(configuration.inlineSyncMaxMicroseconds)) : nil
        if let topic = registry.withLockedValue({ $0.topics[name] }) {
            return publish(messages, to: topic, inline: inline, completion: completion)
        }
        whenTopicReady(name, system: false) { [self] result in
            switch result {
            case .success(let topic): publish(messages, to: topic, inline: inline, completion: completion)
            case .failure(let error): completion(.failure(error))
            }
        }
    }

    private func publish(
        _ messages: [PublishMessage], to topic: Topic, inline: InlineWrite?,
        completion: @escaping @Sendable (Result<PublishConfirm, BrokerError>) -> Void
    ) {
        if messages.contains(where: { $0.dedupId != nil }) {
            publishWithDedup(topic, messages, inline: inline, completion: completion)
        } else {
            append(topic, messages.map { Record(key: $0.key, headers: $0.headers, value: $0.payload) }, inline: inline) { result in
                completion(result.map { Self.confirm(topic: topic.name, $0) })
            }
        }
    }

    /// Async form of `publish(topic:messages:completion:)`.
    public func publish(topic: String, messages: [PublishMessage]) async throws(BrokerError) -> PublishConfirm {
        let result = await withCheckedContinuation { continuation in
            publish(topic: topic, messages: messages) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Checks the limits; returns the publish's size in bytes.
    private func validate(_ messages: [PublishMessage]) throws(BrokerError) -> Int {
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
            for header in message.headers where header.name == BrokerHeaders.dedupId {
                throw BrokerError(code: .reservedHeader, message: "the header name '\(header.name)' is reserved for the broker; set the dedup id instead")
            }
        }
        if total > configuration.maxBatchBytes {
            throw BrokerError(code: .batchTooLarge, message: "\(total) bytes exceed the batch limit of \(configuration.maxBatchBytes)")
        }
        return total
    }

    /// The confirm of an append whose messages were all fresh: `offset ..< offset + count`.
    private static func confirm(topic: String, _ appended: AppendResult) -> PublishConfirm {
        PublishConfirm(
            topic: topic,
            messages: (0..<appended.count).map {
                PublishedMessage(offset: appended.baseOffset + Int64($0), timestamp: appended.timestamp, duplicate: false)
            },
            durable: appended.durable)
    }

    /// Claims the ids under one lock, appends the fresh messages (with their id as a record header, which is
    /// what rebuilds the table after a restart) and resolves the ids under one lock. When every message is
    /// fresh (the common case) it costs what a publish without ids costs plus those two lock holds: no join,
    /// no per-message closure. A `PublishJoin` is made only when some message is a duplicate.
    private func publishWithDedup(
        _ topic: Topic, _ messages: [PublishMessage], inline: InlineWrite?,
        completion: @escaping @Sendable (Result<PublishConfirm, BrokerError>) -> Void
    ) {
        let keys = messages.map { $0.dedupId.map(DedupKey.init) }
        var madeJoin: PublishJoin?
        func makeJoin() -> PublishJoin {
            if let madeJoin { return madeJoin }
            let join = PublishJoin(topic: topic.name, count: messages.count, completion: completion)
            madeJoin = join
            return join
        }
        let claimed = topic.dedup.claim(keys, now: clock.nowMilliseconds(), join: makeJoin)
        let ticket = claimed.ticket
        guard let claims = claimed.claims else {
            append(topic, messages.map(Self.record), inline: inline) { result in
                switch result {
                case .success(let appended):
                    let waiters = topic.dedup.resolve(keys, ticket: ticket, baseOffset: appended.baseOffset, timestamp: appended.timestamp)
                    completion(.success(Self.confirm(topic: topic.name, appended)))
                    for (waiter, result) in waiters { waiter.join.set(waiter.index, .success(result)) }
                case .failure(let error):
                    let waiters = topic.dedup.abandon(keys, ticket: ticket)
                    completion(.failure(error))
                    for waiter in waiters { waiter.join.set(waiter.index, .failure(error)) }
                }
            }
            return
        }
        let join = makeJoin()
        var fresh: [Int] = []
        var duplicates = 0
        for (index, claim) in claims.enumerated() {
            switch claim {
            case .fresh: fresh.append(index)
            case .duplicate(let original): join.set(index, .success(original)); duplicates += 1
            case .waiting: duplicates += 1
            }
        }
        counters.duplicates.wrappingIncrement(by: Int64(duplicates), ordering: .relaxed)
        guard !fresh.isEmpty else { return }
        let freshKeys = fresh.map { keys[$0] }
        append(topic, fresh.map { Self.record(messages[$0]) }, inline: inline) { [fresh] result in
            switch result {
            case .success(let appended):
                let waiters = topic.dedup.resolve(freshKeys, ticket: ticket, baseOffset: appended.baseOffset, timestamp: appended.timestamp)
                for (position, index) in fresh.enumerated() {
                    let offset = appended.baseOffset + Int64(position)
                    join.set(index, .success(PublishedMessage(offset: offset, timestamp: appended.timestamp, duplicate: false)), durable: appended.durable)
                }
                for (waiter, result) in waiters { waiter.join.set(waiter.index, .success(result)) }
            case .failure(let error):
                let waiters = topic.dedup.abandon(freshKeys, ticket: ticket)
                for index in fresh { join.set(index, .failure(error)) }
                for waiter in waiters { waiter.join.set(waiter.index, .failure(error)) }
            }
        }
    }

    /// The record of a message, its dedup id (if any) appended as the `roost-dedup-id` header.
    private static func record(_ message: PublishMessage) -> Record {
        var record = Record(key: message.key, headers: message.headers, value: message.payload)
        if let id = message.dedupId { record.headers.append(RecordHeader(name: BrokerHeaders.dedupId, value: id)) }
        return record
    }

    /// One log append; on success the stored messages go to the live fan-out before `completion` runs. With
    /// `inline` (small publishes, whose callers hold no broker lock) an idle log may be written on the caller's
    /// thread (`TopicLog.append(_:inline:completion:)`), and the fan-out and `completion` then run there.
    func append(
        _ topic: Topic, _ records: [Record], inline: InlineWrite? = nil,
        completion: @escaping @Sendable (Result<AppendResult, BrokerError>) -> Void
    ) {
        topic.log.append(records, inline: inline) { [fanOut, counters] result in
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
        whenTopicReady(name, system: true) { [self] result in
            switch result {
            case .success(let topic):
                deadLetter(consumer, entries, to: topic)
            case .failure(let error):
                logger.error("dead-letter topic unavailable", metadata: ["topic": "\(name)", "error": "\(error)"])
                for entry in entries {
                    consumer.deadLetterFailed(topic: entry.message.topic, message: entry.message, deliveries: entry.deliveries)
                }
            }
        }
    }

    private func deadLetter(_ consumer: Consumer, _ entries: [DeadLetter], to topic: Topic) {
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
