import Dispatch
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import RoostBroker
import RoostSecurity
import RoostStorage
import Synchronization

/// The whole broker as one embeddable value: the disk log, the broker core over it, the WebSocket and HTTP
/// server with broker sessions at `/v1/ws`, the admin API, metrics, and the timer that drives redelivery,
/// retention and gauges. `roost serve` runs one; tests start one in-process on an ephemeral port.
///
/// Lifecycle: `init` opens (and recovers) the store and the broker; ``start()`` binds; ``shutdown()`` stops
/// accepting, lets sessions send their in-flight confirms, closes connections with 1001, then writes consumer
/// state, fsyncs the log and writes the clean-shutdown marker.
public final class RoostBrokerServer: Sendable {
    /// The configuration it was assembled with.
    public let configuration: BrokerServerConfiguration
    /// The broker core (for embedding programs and tests).
    public let broker: Broker
    /// Session totals (messages and bytes in and out, errors by code).
    public let statistics: ServerStatistics
    /// The registry `/metrics` exports.
    public let metricsRegistry: PrometheusCollectorRegistry

    private let store: DiskLogStore
    private let server: RoostServer
    private let gauges: BrokerGauges
    private let logger: Logger
    private let ready = ServerFlag()
    private let timerStopped = ServerFlag()
    private let timerQueue = DispatchQueue(label: "roost.server.timer")

    /// Opens the data directory (recovering the log) and assembles the server; nothing listens until ``start()``.
    ///
    /// - Parameters:
    ///   - eventLoopGroup: where connections run; the caller owns it.
    ///   - metricsRegistry: where the server's and the broker's per-consumer metrics go. To see the log's own and
    ///     the broker's other metrics (they use the global `MetricsSystem`) on `/metrics` too, bootstrap
    ///     `MetricsSystem` with a `PrometheusMetricsFactory` over the same registry (`roost serve` does).
    ///   - clock: the broker's and the log's time (a manual clock in tests).
    ///   - security: authentication, permissions, origin policy and limits (``ServerSecurity/make(_:host:now:)``
    ///     over the security file); default none, right for loopback only.
    /// - Throws: `LogError` or `BrokerError` when the data directory cannot be opened.
    public init(
        configuration: BrokerServerConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "roost"),
        security: ServerSecurity = .disabled
    ) throws {
        self.configuration = configuration
        self.metricsRegistry = metricsRegistry
        self.logger = logger
        let store = try DiskLogStore(
            directory: configuration.logDirectory, defaultConfiguration: configuration.broker.defaultTopicConfiguration,
            clock: clock, logger: logger)
        var brokerConfiguration = configuration.broker
        brokerConfiguration.tickIntervalMilliseconds = nil
        let factory = PrometheusMetricsFactory(registry: metricsRegistry)
        let broker: Broker
        do {
            broker = try Broker(
                configuration: brokerConfiguration, store: store, stateDirectory: configuration.stateDirectory,
                clock: clock, logger: logger, metricsFactory: factory)
        } catch {
            try? store.close()
            throw error
        }
        self.store = store
        self.broker = broker
        let statistics = ServerStatistics(factory: factory)
        self.statistics = statistics
        self.gauges = BrokerGauges(broker: broker, factory: factory)
        LimitGauges.export(LimitGauges.sessions(configuration.session, configuration.broker), factory: factory)
        let connections = ConnectionCounter()
        let admin = AdminAPI(
            broker: broker, statistics: statistics, gauges: gauges, sessionDefaults: configuration.session,
            connections: { connections.count })
        let ready = self.ready
        self.server = RoostServer(
            configuration: configuration.server, eventLoopGroup: eventLoopGroup, metricsRegistry: metricsRegistry,
            router: admin.router, readiness: { ready.value.load(ordering: .relaxed) }, logger: logger,
            security: security, sessionFactory: BrokerSession.factory(
                broker: broker, configuration: configuration.session, statistics: statistics, logger: logger))
        connections.server.withLock { $0 = server }
        ready.value.store(true, ordering: .relaxed)
    }

    /// What opening the log found: whether the last shutdown was clean, what recovery repaired.
    public var recoveryReport: RecoveryReport { store.recoveryReport }

    /// The bound address once started.
    public var localAddress: SocketAddress? { server.localAddress }

    /// The bound port once started (the real one when the configuration asked for port 0).
    public var port: Int? { server.localAddress?.port }

    /// Reads the TLS certificate and key files again for new connections (``RoostServer/reloadTLS()``).
    public func reloadTLS() throws {
        try server.reloadTLS()
    }

    /// Binds the listener and starts the timer.
    public func start() async throws {
        try await server.start()
        gauges.refresh()
        startTimer()
    }

    /// Runs the timed work now: the broker's tick (ack-wait redelivery, delayed nacks). The timer calls it every
    /// ``BrokerServerConfiguration/tickIntervalMilliseconds``; tests call it after advancing a manual clock.
    public func tick() {
        broker.tick()
    }

    /// Deletes expired segments of every topic (blocking file I/O). The timer calls it every
    /// ``BrokerServerConfiguration/retentionIntervalMilliseconds``.
    @discardableResult
    public func enforceRetention() -> Int {
        do {
            return try store.enforceRetention()
        } catch {
            logger.error("retention failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// Refreshes the sampled gauges and rates now.
    public func refreshMetrics() {
        gauges.refresh()
    }

    /// Graceful shutdown: readiness off, stop accepting, drain sessions (in-flight confirms are sent) and close
    /// them with 1001, stop the timer, then persist consumer state and close the log (flush, fsync, clean-shutdown
    /// marker). Throws the first error of persisting or closing; call once.
    public func shutdown() async throws {
        ready.value.store(false, ordering: .relaxed)
        await server.shutdown()
        timerStopped.value.store(true, ordering: .relaxed)
        let broker = self.broker
        let result: Result<Void, BrokerError> = await withCheckedContinuation { continuation in
            DispatchQueue(label: "roost.server.shutdown").async {
                do throws(BrokerError) {
                    try broker.shutdown()
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try result.get()
        logger.info("shut down cleanly")
    }

    private func startTimer() {
        guard let interval = configuration.tickIntervalMilliseconds, interval > 0 else { return }
        scheduleTick(every: interval, count: 1)
    }

    /// One timer tick after `interval`, then the next; stops once ``shutdown()`` set `timerStopped`.
    private func scheduleTick(every interval: Int64, count: Int64) {
        timerQueue.asyncAfter(deadline: .now() + .milliseconds(Int(interval))) { [weak self] in
            guard let self, !self.timerStopped.value.load(ordering: .relaxed) else { return }
            self.tick()
            if count % max(1, self.configuration.metricsIntervalMilliseconds / interval) == 0 { self.gauges.refresh() }
            if count % max(1, self.configuration.retentionIntervalMilliseconds / interval) == 0 { self.enforceRetention() }
            self.scheduleTick(every: interval, count: count + 1)
        }
    }
}

/// Lets the admin API read the transport's connection count, which exists only once the server is made.
private final class ConnectionCounter: Sendable {
    let server = Mutex<RoostServer?>(nil)
    var count: Int { server.withLock { $0?.connectionCount ?? 0 } }
}

/// A flag shared with closures made before `self` exists (readiness).
private final class ServerFlag: Sendable {
    let value = Atomic<Bool>(false)
}

