import NIOCore

/// Every limit and timeout of the transport, in one place.
///
/// `ServerConfiguration()` is a safe default for a single broker on loopback; each field says its unit and why its
/// default is what it is. Docs/operations.md lists the same fields for operators.
public struct ServerConfiguration: Sendable {
    /// Address to bind. Default `127.0.0.1`: a fresh `roost serve` is reachable only from this machine until an
    /// operator deliberately opens it up.
    public var host: String = "127.0.0.1"

    /// TCP port to bind. Default 8080; `0` asks the kernel for an ephemeral port, readable afterwards from
    /// ``RoostServer/localAddress`` (what tests use).
    public var port: Int = 8080

    /// Listen backlog (connections). Default 256: enough to absorb a reconnect storm of a few hundred clients.
    public var backlog: Int32 = 256

    /// Maximum number of open TCP connections, HTTP and WebSocket together. Beyond it a new connection gets
    /// HTTP 503 and is closed. Default 10,000: the idle-connection bar of the product (10,000 idle subscribers)
    /// with room for nothing more, so an accident cannot exhaust file descriptors.
    public var maxConnections: Int = 10_000

    /// Maximum size in bytes of one WebSocket message after reassembly of its fragments; larger gets close 1009.
    /// Default 1 MiB + 64 KiB: a 1 MiB payload plus its protocol envelope fits.
    public var maxMessageSize: Int = (1 << 20) + (64 << 10)

    /// Maximum size in bytes of one WebSocket frame; larger gets close 1009. Default equal to
    /// ``maxMessageSize`` so that a client never has to fragment (NIO's own default of 16 KiB is too small for
    /// a batch publish).
    public var maxFrameSize: Int = (1 << 20) + (64 << 10)

    /// Maximum size in bytes of an HTTP request body (admin API); larger gets 413. Default 1 MiB: admin requests
    /// are small JSON documents.
    public var maxHTTPBodySize: Int = 1 << 20

    /// Time a connection has to deliver a complete HTTP request (the WebSocket handshake or an HTTP call), and the
    /// longest an idle keep-alive HTTP connection is kept. Default 10 s: generous for a slow network, short enough
    /// that silent or half-sent connections do not pile up.
    public var handshakeTimeout: TimeAmount = .seconds(10)

    /// Interval between keepalive pings on a WebSocket that received nothing during the interval. Default 30 s:
    /// under common proxy and NAT idle timeouts (60 s).
    public var pingInterval: TimeAmount = .seconds(30)

    /// A WebSocket that received nothing (not even a pong) for this long is closed with 1001. It is checked at
    /// each ping tick, so the effective timeout is rounded up to a multiple of ``pingInterval``.
    /// Default 90 s: three ping intervals, so two lost pongs are tolerated.
    public var idleTimeout: TimeAmount = .seconds(90)

    /// Time the server waits for the peer's close frame after sending its own, before closing TCP anyway.
    /// Default 5 s.
    public var closeTimeout: TimeAmount = .seconds(5)

    /// Upper bound for ``RoostServer/shutdown()`` to wait for sessions to finish and connections to close,
    /// after which the remaining connections are closed without ceremony. Default 10 s: below the usual 30 s
    /// grace period of process supervisors.
    public var shutdownTimeout: TimeAmount = .seconds(10)

    /// Outbound bytes buffered per connection above which the connection reports not writable, so the session
    /// stops pulling deliveries. Default 256 KiB: a few batches in flight keep a fast link busy.
    public var outboundHighWaterMark: Int = 256 << 10

    /// Outbound bytes below which a not-writable connection becomes writable again. Default 64 KiB.
    public var outboundLowWaterMark: Int = 64 << 10

    /// Hard cap in bytes on outbound buffering per connection. A session that keeps sending while the connection
    /// is not writable past this cap is closed with 1008, so a peer that stops reading can never make server
    /// memory grow without bound. Default 4 MiB: well above the high water mark plus one maximum message.
    public var maxOutboundBufferSize: Int = 4 << 20

    /// TLS (`wss://`, `https://`) with a certificate and key from files; nil: plain TCP. Default nil: loopback needs
    /// no TLS; anything reachable from a network should have it (Docs/security.md).
    public var tls: ServerTLSConfiguration?

    /// Size of a connection's first socket read buffer, bytes; later reads adapt between 64 bytes and 64 KiB to
    /// what arrives. NIO keeps the last read buffer of every connection for reuse, so this is most of what an idle
    /// connection costs in receive buffers. Default 256: a subscribe fits (a handshake takes one or two reads), and a
    /// busy publisher's reads grow to 64 KiB within a few reads.
    public var initialReceiveBufferSize: Int = 256

    /// Creates the default configuration.
    public init() {}
}
