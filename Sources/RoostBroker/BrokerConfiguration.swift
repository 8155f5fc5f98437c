import RoostStorage

/// Settings of the broker core. Every limit that bounds memory is here, with its unit and the reason for
/// its default, so that `.init()` just works.
public struct BrokerConfiguration: Sendable, Hashable {
    /// Create a topic with `defaultTopicConfiguration` on its first publish. Default `true`: publishers should
    /// not need an admin step; operators who want a closed set of topics turn it off.
    public var autoCreateTopics: Bool
    /// Log settings of topics created without explicit settings (auto-created ones included).
    public var defaultTopicConfiguration: LogConfiguration
    /// Largest payload + key + headers of one message, bytes. Default 1 MiB, as NATS.
    public var maxMessageBytes: Int
    /// Most messages in one publish call. Default 10,000.
    public var maxBatchMessages: Int
    /// Most bytes (sum of message sizes) in one publish call. Default 16 MiB.
    public var maxBatchBytes: Int
    /// How long a dedup id is remembered, ms. Default 2 minutes, as JetStream's duplicate window.
    public var dedupWindowMilliseconds: Int64
    /// Most dedup ids remembered per topic (the oldest are forgotten first). Default 10,000: about 1 MiB per
    /// topic that uses dedup ids, none for topics that do not.
    public var dedupMaxEntriesPerTopic: Int
    /// Messages of the newest appends kept in memory per topic so that tail subscribers are served without a
    /// read. Default 16,384 messages (and at most `tailCacheBytes`): more than a few pipelined publish batches,
    /// so that subscribers a little behind a fast publisher still share the appended messages.
    public var tailCacheMessages: Int
    /// Bytes of payload kept in the tail cache per topic. Default 4 MiB.
    public var tailCacheBytes: Int
    /// Largest read from the log for one catch-up step, messages. Default 4,096: one delivery batch, large
    /// enough to amortize a read's index lookup and batch decompression.
    public var readBatchMessages: Int
    /// Largest read from the log for one catch-up step, bytes. Default 1 MiB.
    public var readBatchBytes: Int
    /// Bytes of log reads kept in memory for the whole broker, so that consumers catching up together
    /// (subscribers behind a fast publisher, past the tail cache; several replays) read and decode each chunk of
    /// `readBatchMessages` messages once and share its messages and their encodings. One budget for all topics:
    /// the topics being read get the chunks, the least recently used chunk goes first. A chunk is charged what it
    /// keeps alive (its read buffers whole, per-message objects, room for its encodings). Default 128 MiB: about
    /// 90 chunks of 4,096 messages of 128 bytes, so 100 subscribers may drift up to ~370,000 messages apart and
    /// still share reads. 0 turns the cache off.
    public var readCacheBytes: Int
    /// A cached chunk nobody read for this long is dropped at the broker's tick, ms: a finished replay does not
    /// keep its memory until other reads push it out. Default 10,000.
    public var readCacheIdleMilliseconds: Int64
    /// Serial queues that run consumer delivery and log reads. Default 4: reads block on disk, so a few
    /// queues keep the cores busy without a thread per consumer.
    public var readerQueues: Int
    /// Upper bound of `SubscriptionRequest.maxInFlight`. Default 10,000.
    public var maxInFlightLimit: Int
    /// Most members attached to one durable consumer. Default 64.
    public var maxMembersPerConsumer: Int
    /// Interval of the broker's own timer (ack wait expiry, delayed nacks, consumer state flush), ms. `nil`:
    /// no timer, the owner calls `Broker.tick()` (tests do, after advancing a manual clock). Default 100 ms.
    public var tickIntervalMilliseconds: Int64?
    /// Least time between two writes of durable consumers' state while acks keep coming, ms. Default 10: at
    /// most 100 state fsyncs a second however fast acks arrive; a crash forgets at most the acks of the last
    /// interval (they are redelivered).
    public var consumerFlushIntervalMilliseconds: Int64
    /// Most publishes that may wait for one topic while its log is being created (a first publish auto-creates it
    /// off the caller's thread; later publishes to it queue behind, in arrival order). Past it a publish fails
    /// with a storage `overloaded` error. Default 10,000: far more than connections pipeline in the few
    /// milliseconds a create takes, and a few hundred KiB at most.
    public var maxTopicCreateWaiters: Int
    /// Largest publish (payload, key and header bytes of its messages) that the publishing thread may write to the
    /// log itself when the topic's writer is idle (Docs/architecture.md, "Inline writes and event loops"): the
    /// message reaches subscribers without a hand-off to the writer thread. Under fsync `interval` or `never` the
    /// write happens at once; under `always` the publishing event loop writes such a publish, together with the
    /// others of its turn, and waits for their fdatasync itself, while the topic's fdatasyncs average at most
    /// `inlineSyncMaxMicroseconds`. Larger publishes go to the writer thread, which then writes them while the event
    /// loop reads the next frame. 0: never inline.
    /// Default 4,096 bytes.
    public var inlineWriteMaxBytes: Int
    /// Under fsync `always`, an event loop writes a small publish to an idle topic and waits for the fdatasync
    /// itself, at the end of its turn, only while the topic's fdatasyncs average at most this (Docs/architecture.md,
    /// "Inline writes and event loops"): on a fast disk the confirm and the deliveries then need no wake-up of
    /// another thread; a slow disk never stalls the event loop's other connections for long. 0: never.
    /// Default 1,000 µs.
    public var inlineSyncMaxMicroseconds: Int

    public init(
        autoCreateTopics: Bool = true,
        defaultTopicConfiguration: LogConfiguration = .init(),
        maxMessageBytes: Int = 1 << 20,
        maxBatchMessages: Int = 10_000,
        maxBatchBytes: Int = 16 << 20,
        dedupWindowMilliseconds: Int64 = 120_000,
        dedupMaxEntriesPerTopic: Int = 10_000,
        tailCacheMessages: Int = 16_384,
        tailCacheBytes: Int = 4 << 20,
        readBatchMessages: Int = 4_096,
        readBatchBytes: Int = 1 << 20,
        readCacheBytes: Int = 128 << 20,
        readCacheIdleMilliseconds: Int64 = 10_000,
        readerQueues: Int = 4,
        maxInFlightLimit: Int = 10_000,
        maxMembersPerConsumer: Int = 64,
        tickIntervalMilliseconds: Int64? = 100,
        consumerFlushIntervalMilliseconds: Int64 = 10,
        maxTopicCreateWaiters: Int = 10_000,
        inlineWriteMaxBytes: Int = 4_096,
        inlineSyncMaxMicroseconds: Int = 1_000
    ) {
        self.autoCreateTopics = autoCreateTopics
        self.defaultTopicConfiguration = defaultTopicConfiguration
        self.maxMessageBytes = maxMessageBytes
        self.maxBatchMessages = maxBatchMessages
        self.maxBatchBytes = maxBatchBytes
        self.dedupWindowMilliseconds = dedupWindowMilliseconds
        self.dedupMaxEntriesPerTopic = dedupMaxEntriesPerTopic
        self.tailCacheMessages = tailCacheMessages
        self.tailCacheBytes = tailCacheBytes
        self.readBatchMessages = readBatchMessages
        self.readBatchBytes = readBatchBytes
        self.readCacheBytes = readCacheBytes
        self.readCacheIdleMilliseconds = readCacheIdleMilliseconds
        self.readerQueues = readerQueues
        self.maxInFlightLimit = maxInFlightLimit
        self.maxMembersPerConsumer = maxMembersPerConsumer
        self.tickIntervalMilliseconds = tickIntervalMilliseconds
        self.consumerFlushIntervalMilliseconds = consumerFlushIntervalMilliseconds
        self.maxTopicCreateWaiters = maxTopicCreateWaiters
        self.inlineWriteMaxBytes = inlineWriteMaxBytes
        self.inlineSyncMaxMicroseconds = inlineSyncMaxMicroseconds
    }

    func validate() throws(BrokerError) {
        let positives = [maxMessageBytes, maxBatchMessages, maxBatchBytes, dedupMaxEntriesPerTopic, tailCacheMessages,
                         tailCacheBytes, readBatchMessages, readBatchBytes, readerQueues, maxInFlightLimit, maxMembersPerConsumer,
                         maxTopicCreateWaiters]
        if positives.contains(where: { $0 <= 0 }) || dedupWindowMilliseconds < 0 || (tickIntervalMilliseconds ?? 1) <= 0
            || consumerFlushIntervalMilliseconds < 0 || readCacheBytes < 0
            || readCacheIdleMilliseconds < 0 || inlineWriteMaxBytes < 0 || inlineSyncMaxMicroseconds < 0 {
            throw BrokerError(code: .invalidConfiguration, message: "broker limits must be positive")
        }
    }
}
