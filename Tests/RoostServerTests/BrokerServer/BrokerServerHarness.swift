import Logging
import NIOCore
import RoostBroker
import RoostServer
import RoostTesting
import Testing

/// A ``RoostBrokerServer`` on an ephemeral loopback port over a temporary data directory, with a manual clock and
/// no timer (tests tick it).
struct BrokerServerHarness {
    let server: RoostBrokerServer
    let port: Int
    let clock: ManualClock
    let directory: TemporaryDirectory

    /// Starts a server; `configure` adjusts the configuration first. Pass `directory` to reopen earlier data.
    static func start(
        directory: TemporaryDirectory? = nil, clock: ManualClock = ManualClock(),
        security: ServerSecurity = .disabled,
        configure: (inout BrokerServerConfiguration) -> Void = { _ in }
    ) async throws -> BrokerServerHarness {
        let directory = try directory ?? TemporaryDirectory(prefix: "roost-server-test")
        var configuration = BrokerServerConfiguration(dataDirectory: directory.path)
        configuration.server.port = 0
        // Real-time deadlines are the subject of their own tests; elsewhere a loaded CI machine must not close a
        // connection between two test steps.
        configuration.server.handshakeTimeout = .seconds(600)
        configuration.tickIntervalMilliseconds = nil
        configure(&configuration)
        var logger = Logger(label: "roost.test")
        logger.logLevel = .warning
        let server = try RoostBrokerServer(configuration: configuration, clock: clock, logger: logger, security: security)
        try await server.start()
        let port = try #require(server.port)
        return BrokerServerHarness(server: server, port: port, clock: clock, directory: directory)
    }

    /// Runs a Python scenario against this server. Checkpoints: `advance N` moves the clock by N ms and ticks;
    /// `refresh_metrics` samples the gauges (no timer runs in tests).
    func run(_ scenario: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let clock = self.clock
        let server = self.server
        let result = try await ScenarioRunner.run(scenario, port: port) { action in
            let words = action.split(separator: " ")
            if words.first == "advance", words.count == 2, let ms = Int64(words[1]) {
                clock.advance(by: ms)
                server.tick()
            } else if action == "refresh_metrics" {
                server.refreshMetrics()
            }
        }
        #expect(result.status == 0, "scenario \(scenario) failed:\n\(result.output)", sourceLocation: sourceLocation)
    }

    /// Starts a server, runs one scenario against it, and removes it.
    static func scenario(
        _ name: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ configure: (inout BrokerServerConfiguration) -> Void = { _ in }
    ) async throws {
        let harness = try await start(configure: configure)
        try await harness.run(name, sourceLocation: sourceLocation)
        try await harness.finish()
    }

    /// Shuts the server down gracefully, keeping the data directory.
    func stop() async throws {
        try await server.shutdown()
    }

    /// Shuts down and removes the data directory.
    func finish() async throws {
        defer { directory.remove() }
        try await server.shutdown()
    }
}
