import Atomics
import CoreMetrics
import Dispatch
import Logging
import NIOConcurrencyHelpers
import RoostStorage

/// The broker core: topics, publishing with dedup, consumers (ephemeral, durable, shared), delivery with
/// flow control, acks, redelivery and dead letters, over any `LogStore`. In-process; the server drives it.
///
/// Thread-safe: every method may be called from any thread, and the ones a server calls on an event loop
/// (`publish`, `immediateStart(for:)`, `findStart(for:completion:)`, `subscribe(_:from:sink:)` and the
/// `Subscription` operations) never do file I/O there: reads run on the broker's reader queues, a first
/// publish's auto-create on its creation queue. Exceptions, which do blocking file I/O on the caller's thread
/// and are meant for startup, shutdown and admin paths: `init`, `shutdown`, topic create/alter/delete, consumer
/// reset (reads the time index for `.time`) and delete (removes its file), and `subscribe(_:sink:)` with a
/// `.time` start. See Docs/architecture.md ("Concurrency ownership", "File I/O never runs on an event loop").
public final class Broker: Sendable {
    struct Registry: Sendable {
        var topics: [String: Topic] = [:]
        var metadata: [String: BrokerStateStore.TopicMetadata] = [:]
        /// Names whose log is being created or deleted, with the publishes waiting for them.
        var creating: [String: TopicCreation] = [:]
        var consumers: [String: Consumer] = [:]
        /// Consumers by filter, to find the ones a new topic belongs to without scanning them all.
        var filters = TopicPatternTrie<Consumer>()
        var shutDown = false
    }

    public let configuration: BrokerConfiguration
    let store: any LogStore
    let clock: any WallClock
    let logger: Logger
    let fanOut: any LiveFanOut
    let stateStore: BrokerStateStore
    let readerQueues: [DispatchQueue]
    /// Log reads shared by the consumers of every topic, within `readCacheBytes`.
    let readCache: ReadChunkCache
    let registry = NIOLockedValueBox(Registry())
    let counters: BrokerCounters
    /// What all consumers share (one object, not a copy per consumer).
    let consumerEnvironment: Consumer.Environment
    let nextID = ManagedAtomic<Int>(1)
    let metricsFactory: any MetricsFactory
    /// The instruments every ephemeral consumer shares (one instance, not one per subscription).
    let ephemeralMetrics: ConsumerMetrics
    private let tickQueue = DispatchQueue(label: "roost.broker.tick")
    /// Where auto-created topics' logs are made: serial, so it has its own thread while it blocks on the disk.
    let creationQueue = DispatchQueue(label: "roost.broker.create")

    /// Opens the broker over `store`, restoring topics (from the store), topic metadata and durable consumers
    /// (from `stateDirectory`), and rebuilding each topic's dedup table from its log tail.
    ///
    /// - Parameters:
    ///   - fanOut: the live fan-out; `nil` for the in-process `LocalFanOut` sized by the configuration.
    ///   - metricsFactory: where the per-consumer instruments are made; `nil` for the global `MetricsSystem`.
    public init(
        configuration: BrokerConfiguration = .init(),
        store: any LogStore,
        stateDirectory: String,
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "roost.broker"),
        fanOut: (any LiveFanOut)? = nil,
        metricsFactory: (any MetricsFactory)? = nil
    ) throws(BrokerError) {
        self.metricsFactory = metricsFactory ?? MetricsSystem.factory
        self.ephemeralMetrics = ConsumerMetrics(consumer: "", durable: false, factory: self.metricsFactory)
        try configuration.validate()
        self.configuration = configuration
        self.store = store
        self.clock = clock
        self.logger = logger
        self.fanOut = fanOut ?? LocalFanOut(maxMessages: configuration.tailCacheMessages, maxBytes: configuration.tailCacheBytes)
        self.stateStore = try BrokerStateStore(
            directory: stateDirectory, flushIntervalMilliseconds: configuration.consumerFlushIntervalMilliseconds, logger: logger)
        let counters = BrokerCounters()
        self.counters = counters
        self.consumerEnvironment = Consumer.Environment(
            fanOut: self.fanOut, clock: clock, limits: configuration, logger: logger, counters: counters)
        self.readCache = ReadChunkCache(budgetBytes: configuration.readCacheBytes,
            idleMilliseconds: configuration.readCacheIdleMilliseconds, clock: clock)
        self.readerQueues = (0..<configuration.readerQueues).map { DispatchQueue(label: "roost.broker.reader.\($0)") }
        try restore()
        if let interval = configuration.tickIntervalMilliseconds { scheduleTick(every: interval) }
    }

    private func restore() throws(BrokerError) {
        let metadata = try stateStore.loadTopics()
        let now = clock.nowMilliseconds()
        var topics: [String: Topic] = [:]
        for name in store.logNames() {
            guard let log = store.log(named: name) else { continue }
            let meta = metadata[name] ?? .init(autoCreated: false, createdAt: 0)
            let topic = Topic(name: name, log: log, autoCreated: meta.autoCreated, createdAt: meta.createdAt, configuration: configuration,
                readCache: readCache)
            do {
                try topic.rebuildDedup(now: now, configuration: configuration)
            } catch {
                logger.warning("dedup table not rebuilt", metadata: ["topic": "\(name)", "error": "\(error)"])
            }
            topics[name] = topic
        }
        let stored = try stateStore.loadConsumers()
        registry.withLockedValue { registry in
            registry.topics = topics
            registry.metadata = metadata.filter { topics[$0.key] != nil }
            for persisted in stored {
                let consumer = makeConsumer(name: persisted.name, durable: true, settings: persisted.settings, createdAt: persisted.createdAt)
                registry.consumers[persisted.name] = consumer
                registry.filters.insert(consumer, pattern: persisted.settings.filter)
                for topic in topics.values where TopicName.matches(topic.name, pattern: persisted.settings.filter) {
                    var cursor = TopicCursor(topic: topic, position: topic.log.startOffset)
                    if let saved = persisted.cursors[topic.name] {
                        cursor = TopicCursor(topic: topic, position: saved.ackFloor)
                        cursor.acked = PersistedConsumer.offsets(saved.acked)
                        cursor.skipDeleted(startOffset: topic.log.startOffset)
                    }
                    consumer.attach(cursor)
                }
            }
        }
        logger.info("broker opened", metadata: ["topics": "\(topics.count)", "consumers": "\(stored.count)"])
    }

    func makeConsumer(name: String, durable: Bool, settings: Consumer.Settings, createdAt: Int64) -> Consumer {
        let hooks = Consumer.Hooks(
            deadLetter: { [weak self] consumer, entries in self?.deadLetter(consumer, entries) },
            changed: { [weak self] consumer in self?.stateStore.markDirty(consumer) })
        let queue = readerQueues[Int(UInt(bitPattern: name.hashValue) % UInt(readerQueues.count))]
        let consumer = Consumer(
            name: name, durable: durable, settings: settings, queue: queue, environment: consumerEnvironment, hooks: hooks,
            metrics: durable ? ConsumerMetrics(consumer: name, durable: true, factory: metricsFactory) : ephemeralMetrics)
        consumer.state.withLockedValue { $0.createdAt = createdAt }
        return consumer
    }

    /// Runs the broker's timed work as of the clock's now: ack wait expiry, delayed negative acks, gauges, and
    /// dropping read-cache chunks idle for `readCacheIdleMilliseconds`.
    /// The broker calls it every `tickIntervalMilliseconds`; tests call it after advancing a manual clock.
    public func tick() {
        let now = clock.nowMilliseconds()
        let consumers = registry.withLockedValue { Array($0.consumers.values) }
        for consumer in consumers { consumer.tick(now: now) }
        readCache.expireIdle(now: now)
    }

    private func scheduleTick(every interval: Int64) {
        tickQueue.asyncAfter(deadline: .now() + .milliseconds(Int(interval))) { [weak self] in
            guard let self, !self.registry.withLockedValue({ $0.shutDown }) else { return }
            self.tick()
            self.scheduleTick(every: interval)
        }
    }

    /// Calls `done` once the consumer state changed so far is on disk (tests, admin).
    public func flushConsumerState(_ done: @escaping @Sendable () -> Void) {
        stateStore.whenFlushed(done)
    }

    /// Async form of `flushConsumerState(_:)`.
    public func flushConsumerState() async {
        await withCheckedContinuation { continuation in stateStore.whenFlushed { continuation.resume() } }
    }

    /// Closes every subscription (reason `shutdown`), writes every durable consumer's state and closes the
    /// store. Later calls fail with `shuttingDown`. Blocking; call once.
    public func shutdown() throws(BrokerError) {
        let consumers: [Consumer] = registry.withLockedValue { registry in
            registry.shutDown = true
            return Array(registry.consumers.values)
        }
        var members: [ConsumerMember] = []
        for consumer in consumers { members += consumer.removeAllMembers() }
        // Let running pumps finish so that no delivery follows the close event, and creations in progress hand
        // their waiters the topic before the store closes.
        for queue in readerQueues { queue.sync {} }
        creationQueue.sync {}
        for member in members { member.sink.subscriptionClosed(reason: .shutdown) }
        var firstError: BrokerError?
        for consumer in consumers where consumer.durable {
            do { try stateStore.saveNow(consumer) } catch { firstError = firstError ?? error }
        }
        do {
            try store.close()
        } catch {
            firstError = firstError ?? BrokerError.storage(error, "closing the log store")
        }
        if let firstError { throw firstError }
    }

    /// Totals for the stats endpoint.
    public func stats() -> BrokerStats {
        let (topics, consumers) = registry.withLockedValue { ($0.topics.count, Array($0.consumers.values)) }
        return BrokerStats(
            topics: topics, consumers: consumers.count, durableConsumers: consumers.filter(\.durable).count,
            subscriptions: consumers.reduce(0) { $0 + $1.memberCount },
            messagesIn: counters.messagesIn.load(ordering: .relaxed), messagesOut: counters.messagesOut.load(ordering: .relaxed),
            duplicatesDropped: counters.duplicates.load(ordering: .relaxed),
            readCacheBytes: readCache.usage.bytes, readCacheChunks: readCache.usage.chunks)
    }

    func ensureRunning(_ registry: Registry) throws(BrokerError) {
        if registry.shutDown { throw BrokerError(code: .shuttingDown, message: "the broker is shut down") }
    }
}
