import NIOCore
import RoostBroker
import RoostStorage

/// Everything `roost serve` (or an embedding program) configures: where the data lives, the transport, the
/// broker, the sessions, and the server's timers. `BrokerServerConfiguration(dataDirectory:)` just works.
/// Docs/operations.md lists every field with its flag, environment variable and config-file key.
public struct BrokerServerConfiguration: Sendable {
    /// The data directory: the topic logs in `<dataDirectory>/log`, consumer state and topic metadata in
    /// `<dataDirectory>/state`. Default `./data`.
    public var dataDirectory: String

    /// Listener address, frame sizes, connection limits, timeouts, outbound water marks.
    public var server: ServerConfiguration

    /// Topics, message and batch size limits, in-flight limit, dedup, read batches. Its own timer
    /// (`tickIntervalMilliseconds`) is switched off: the server's timer drives the broker.
    public var broker: BrokerConfiguration

    /// Per-connection limits and subscription defaults.
    public var session: SessionConfiguration

    /// Interval of the server's timer, ms: the broker's `tick()` (ack-wait redelivery, delayed nacks) and the
    /// metrics refresh. `nil`: no timer (tests call ``RoostBrokerServer/tick()`` after moving a manual clock).
    /// Default 100 ms: redelivery is at most this late, and an idle server wakes ten times a second.
    public var tickIntervalMilliseconds: Int64?

    /// Interval between two retention passes over every topic, ms. Default 60 s: retention deletes whole
    /// segments, so a minute's delay costs nothing and the pass (a directory scan per topic) stays rare.
    public var retentionIntervalMilliseconds: Int64

    /// Interval between two refreshes of the per-topic and per-consumer gauges and of the stats rates, ms.
    /// Default 1 s.
    public var metricsIntervalMilliseconds: Int64

    /// Event loops (threads) that run the connections, for `roost serve`, which makes the group (a program that
    /// embeds ``RoostBrokerServer`` passes its own). Default ``defaultEventLoops``.
    public var eventLoops: Int

    /// Half the cores, at least one: the other half is left to the storage threads (each topic's writer, the
    /// broker's reader queues, fdatasyncs), so that a message's way through the broker crosses as few cores as
    /// possible. Every hand-off between threads on different cores is a wake-up, the largest cost on a message's
    /// way at low rates (Docs/benchmarks.md, "Session 5: latency"); a busier broker raises it with `event_loops`.
    public static var defaultEventLoops: Int { max(1, System.coreCount / 2) }

    /// Creates the default configuration over `dataDirectory`.
    public init(dataDirectory: String = "./data") {
        self.eventLoops = Self.defaultEventLoops
        self.dataDirectory = dataDirectory
        self.server = ServerConfiguration()
        self.broker = BrokerConfiguration()
        self.session = SessionConfiguration()
        self.tickIntervalMilliseconds = 100
        self.retentionIntervalMilliseconds = 60_000
        self.metricsIntervalMilliseconds = 1_000
    }

    /// Where the topic logs live.
    public var logDirectory: String { dataDirectory + "/log" }
    /// Where durable consumers and topic metadata live.
    public var stateDirectory: String { dataDirectory + "/state" }
}
