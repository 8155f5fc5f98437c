import Logging
import NIOCore
import NIOPosix
import RoostProtocol

/// Settings of a ``RoostClient``. Every field has a default chosen for a service on the same network as
/// the broker, so `RoostClientConfiguration()` just works.
public struct RoostClientConfiguration: Sendable {
    /// The wire encoding. Default `.binary`: cheaper to encode and decode than JSON, and payloads travel
    /// raw instead of base64.
    public var encoding: WireEncoding = .binary
    /// Sent as `Authorization: Bearer <token>` in the handshake when set. Default none.
    public var token: String?
    /// For `wss://` URLs: a PEM file of the CA certificates to trust instead of the system's (a private CA, a test
    /// CA). Default nil: the system trust store. The broker's certificate is always verified, name included; there
    /// is no switch to turn verification off.
    public var caFile: String?
    /// Largest WebSocket frame (and reassembled message) accepted from the broker, in bytes.
    /// Default 16 MiB: a `messages` batch of many large messages must fit; NIO's own default (16 KiB) would
    /// cut the connection on the first big delivery.
    public var maxFrameSize: Int = 16 << 20
    /// TCP connect timeout. Default 5 s.
    public var connectTimeout: TimeAmount = .seconds(5)
    /// How long the HTTP upgrade may take after TCP connects. Default 10 s.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// Reconnect after a lost connection. Default `true`; with `false` the client closes instead.
    public var reconnect: Bool = true
    /// Delays between reconnect attempts.
    public var backoff = ReconnectBackoff()
    /// Reconnect attempts before giving up and closing; `nil` = retry forever (the default: a service
    /// should ride out a broker restart of any length).
    public var maxReconnectAttempts: Int?
    /// Most requests (publishes, subscribes) waiting for a confirm at once. Default 65,536. Beyond it
    /// `publish` throws `too_many_pending` instead of queueing without bound while the broker is away.
    public var maxPendingRequests: Int = 65_536
    /// Assign a dedup id to every publish that has none, so that a publish resent after a reconnect is
    /// stored once. Default `true`. Turn off only when duplicates on reconnect are acceptable.
    public var assignDedupIDs: Bool = true
    /// Where the connection runs. Default: NIO's shared singleton group.
    public var eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// Sleeps the reconnect backoff. Inject a manual clock in tests. Default `ContinuousClock()`.
    public var clock: any Clock<Duration> = ContinuousClock()
    /// Draws the jitter of the backoff, a value in [0, 1). Default: the system generator.
    public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }
    /// Where connection events are logged.
    public var logger = Logger(label: "roost.client")

    /// Creates the default configuration.
    public init() {}
}
