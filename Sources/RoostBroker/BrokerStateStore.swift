import Atomics
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The broker's own files under the state directory: `topics.json` (which topics were auto-created, and
/// when) and `consumers/<name>.json`, one per durable consumer. Every write is atomic (`AtomicFile`).
///
/// A file that does not parse (media damage or a manual edit: an atomic write never leaves half a file) never
/// stops the broker: it is renamed to `<file>.corrupt`, logged, and treated as absent. For `topics.json` that
/// loses only metadata (the topic list comes from the log directories; `autoCreated` reads as false and
/// `createdAt` as 0); for a consumer file, that consumer starts over from its requested start position when it
/// next subscribes. See Docs/reliability.md.
///
/// Consumer writes are coalesced: `markDirty` only records the consumer; one flush at a time runs on a
/// serial queue and writes each dirty consumer once, however many acks arrived meanwhile, and the next flush
/// starts `flushInterval` after it. So an ack storm costs one fsync per consumer per flush, and a crash loses
/// at most the acks of the last interval and the flush in progress.
final class BrokerStateStore: Sendable {
    /// Serialises writes of `topics.json` (see `saveTopics(_:)` with a closure).
    private let topicsWrite = NIOLock()
    struct TopicMetadata: Codable, Sendable, Equatable {
        var autoCreated: Bool
        var createdAt: Int64
    }

    private struct Flush: Sendable {
        var dirty: [String: Consumer] = [:]
        var running = false
        var waiters: [@Sendable () -> Void] = []
    }

    let directory: String
    private let consumersDirectory: String
    private let logger: Logger
    private let queue = DispatchQueue(label: "roost.broker.state")
    private let flush = NIOLockedValueBox(Flush())

    /// Pause between two consumer flushes while changes keep coming, so that a stream of acks costs at most
    /// `1000 / flushInterval` fsyncs a second instead of a back-to-back fsync loop.
    private let flushInterval: Int

    init(directory: String, flushIntervalMilliseconds: Int64, logger: Logger) throws(BrokerError) {
        self.flushInterval = Int(flushIntervalMilliseconds)
        self.directory = directory
        self.consumersDirectory = directory + "/consumers"
        self.logger = logger
        try AtomicFile.makeDirectory(consumersDirectory)
    }

    // MARK: Topics

    func loadTopics() throws(BrokerError) -> [String: TopicMetadata] {
        let path = directory + "/topics.json"
        guard let bytes = try AtomicFile.read(path) else { return [:] }
        do {
            return try JSONDecoder().decode([String: TopicMetadata].self, from: Data(bytes))
        } catch {
            setAside(path, error: error, consequence: "topics are rebuilt from the log directories without their metadata")
            return [:]
        }
    }

    /// Moves an unreadable state file out of the way, loudly.
    private func setAside(_ path: String, error: any Error, consequence: String) {
        var metadata: Logger.Metadata = ["file": "\(path)", "error": "\(error)", "consequence": "\(consequence)"]
        do {
            metadata["keptAs"] = "\(try AtomicFile.setAside(path))"
        } catch let renameError {
            metadata["renameError"] = "\(renameError)"
        }
        logger.error("unreadable broker state file set aside", metadata: metadata)
    }

    func saveTopics(_ topics: [String: TopicMetadata]) throws(BrokerError) {
        try AtomicFile.write(encode(topics), to: directory + "/topics.json")
    }

    /// Writes the topic metadata `current` returns, calling it while holding the topics file's write lock: of
    /// concurrent saves, each writes a snapshot at least as new as the one before, so the file ends up current
    /// even though callers save outside their own lock.
    func saveTopics(_ current: () -> [String: TopicMetadata]) throws(BrokerError) {
        topicsWrite.lock()
        defer { topicsWrite.unlock() }
        try saveTopics(current())
    }

    // MARK: Consumers

    func loadConsumers() throws(BrokerError) -> [PersistedConsumer] {
        var result: [PersistedConsumer] = []
        for file in try AtomicFile.list(consumersDirectory) where file.hasSuffix(".json") {
            guard let bytes = try AtomicFile.read(consumersDirectory + "/" + file) else { continue }
            do {
                result.append(try JSONDecoder().decode(PersistedConsumer.self, from: Data(bytes)))
            } catch {
                setAside(consumersDirectory + "/" + file, error: error,
                    consequence: "the consumer starts over from its requested start position when it next subscribes")
            }
        }
        return result
    }

    /// Deletes a consumer's file; runs on the flush queue so that no flush in progress writes it back.
    func deleteConsumer(_ consumer: Consumer) throws(BrokerError) {
        consumer.deleted.store(true, ordering: .sequentiallyConsistent)
        _ = flush.withLockedValue { $0.dirty.removeValue(forKey: consumer.name) }
        let result: Result<Void, BrokerError> = queue.sync {
            do throws(BrokerError) { try AtomicFile.remove(path(of: consumer.name)) } catch { return .failure(error) }
            return .success(())
        }
        try result.get()
    }

    /// Writes `consumer` now, after any flush in progress (shutdown).
    func saveNow(_ consumer: Consumer) throws(BrokerError) {
        let result: Result<Void, BrokerError> = queue.sync {
            do throws(BrokerError) { try save(consumer) } catch { return .failure(error) }
            return .success(())
        }
        try result.get()
    }

    /// Records that `consumer` changed; a flush will write it.
    func markDirty(_ consumer: Consumer) {
        let start = flush.withLockedValue { flush in
            flush.dirty[consumer.name] = consumer
            if flush.running { return false }
            flush.running = true
            return true
        }
        if start { queue.async { self.runFlushes() } }
    }

    private func save(_ consumer: Consumer) throws(BrokerError) {
        try AtomicFile.write(encode(consumer.snapshot()), to: path(of: consumer.name))
    }

    /// Calls `done` once every consumer marked dirty before this call is on disk.
    func whenFlushed(_ done: @escaping @Sendable () -> Void) {
        let now = flush.withLockedValue { flush in
            if !flush.running && flush.dirty.isEmpty { return true }
            flush.waiters.append(done)
            return false
        }
        if now { done() }
    }

    /// Writes the dirty consumers, then, if more changed meanwhile, runs again after `flushInterval`.
    private func runFlushes() {
        let (batch, waiters): ([Consumer], [@Sendable () -> Void]) = flush.withLockedValue { flush in
            let batch = Array(flush.dirty.values)
            flush.dirty = [:]
            if batch.isEmpty {
                flush.running = false
                defer { flush.waiters = [] }
                return ([], flush.waiters)
            }
            return (batch, [])
        }
        if batch.isEmpty {
            for waiter in waiters { waiter() }
            return
        }
        for consumer in batch where !consumer.deleted.load(ordering: .sequentiallyConsistent) {
            do {
                try save(consumer)
            } catch {
                logger.error("consumer state write failed", metadata: ["consumer": "\(consumer.name)", "error": "\(error)"])
            }
        }
        queue.asyncAfter(deadline: .now() + .milliseconds(flushInterval)) { self.runFlushes() }
    }

    private func path(of consumer: String) -> String { consumersDirectory + "/" + consumer + ".json" }

    private func encode<Value: Encodable>(_ value: Value) throws(BrokerError) -> [UInt8] {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Array(try encoder.encode(value))
        } catch {
            throw BrokerError(code: .storage, message: "cannot encode broker state: \(error)")
        }
    }
}
