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

    /// Creates the default configuration over `dataDirectory`.
    public init(dataDirectory: String = "./data") {
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
