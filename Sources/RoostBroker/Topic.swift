import CoreMetrics
import Metrics
import RoostStorage

/// A topic as the broker holds it: its log, its dedup table and its counters. Immutable references;
/// the members it points to are thread-safe.
final class Topic: Sendable {
    let name: String
    let log: any TopicLog
    /// Whether the topic was created by a first publish rather than by `createTopic`.
    let autoCreated: Bool
    /// When the broker created it, ms since the epoch (0 when unknown: created before metadata was kept).
    let createdAt: Int64
    let dedup: DedupTable
    let messagesIn: Counter
    let messagesOut: Counter
    let readCache: TopicReadCache

    /// - Parameter readCache: the broker's shared read cache; `nil` for one of the topic's own, sized by
    ///   `configuration` (tests).
    init(name: String, log: any TopicLog, autoCreated: Bool, createdAt: Int64, configuration: BrokerConfiguration,
         readCache: ReadChunkCache? = nil) {
        self.name = name
        self.log = log
        self.autoCreated = autoCreated
        self.createdAt = createdAt
        self.dedup = DedupTable(windowMilliseconds: configuration.dedupWindowMilliseconds, maxEntries: configuration.dedupMaxEntriesPerTopic)
        self.messagesIn = Counter(label: "roost_broker_messages_in_total", dimensions: [("topic", name)])
        self.messagesOut = Counter(label: "roost_broker_messages_out_total", dimensions: [("topic", name)])
        let shared = readCache ?? ReadChunkCache(budgetBytes: configuration.readCacheBytes,
            idleMilliseconds: configuration.readCacheIdleMilliseconds, clock: SystemWallClock())
        self.readCache = TopicReadCache(chunkMessages: configuration.readBatchMessages, shared: shared)
    }

    /// Rebuilds the dedup table from the `roost-dedup-id` headers of the log's tail: the records within the
    /// window by time, at most the window's count. Blocking reads; runs on open.
    func rebuildDedup(now: Int64, configuration: BrokerConfiguration) throws {
        let end = log.endOffset
        let byTime = try log.offset(forTimestamp: now - configuration.dedupWindowMilliseconds)
        var offset = max(log.startOffset, byTime, end - Int64(configuration.dedupMaxEntriesPerTopic) * 4)
        var found: [(id: String, offset: Int64, timestamp: Int64)] = []
        while offset < end {
            let result = try log.read(from: offset, maxRecords: configuration.readBatchMessages, maxBytes: configuration.readBatchBytes)
            if result.records.isEmpty { break }
            for record in result.records {
                if let header = record.headers.first(where: { $0.name == BrokerHeaders.dedupId }) {
                    found.append((header.value, record.offset, record.timestamp))
                }
            }
            offset = result.nextOffset
        }
        dedup.load(found, now: now)
    }
}
