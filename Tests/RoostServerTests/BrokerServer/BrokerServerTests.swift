import RoostBroker
import RoostServer
import RoostStorage
import RoostTesting
import Testing

/// End to end over loopback: a ``RoostBrokerServer`` in-process, driven by Python `websockets` clients
/// (Python/roost_scenarios.py), a WebSocket implementation this project did not write. Serialized: each test runs a
/// server and a Python interpreter, and running them all at once starves the timing-sensitive transport tests on a
/// 2-core machine.
@Suite("RoostBrokerServer end to end", .serialized)
struct BrokerServerTests {
    @Test("publish and subscribe in JSON, one message per frame and batched")
    func roundTripJSON() async throws {
        try await BrokerServerHarness.scenario("roundtrip_json")
    }

    @Test("publish and subscribe in the binary encoding; malformed frames and wrong frame kinds")
    func roundTripBinary() async throws {
        try await BrokerServerHarness.scenario("roundtrip_binary")
    }

    @Test("wsbench's frames get the answers it parses")
    func wsbenchFrames() async throws {
        try await BrokerServerHarness.scenario("wsbench_frames")
    }

    @Test("a durable subscriber gets exactly what it missed, then live messages")
    func durableResume() async throws {
        try await BrokerServerHarness.scenario("durable_resume")
    }

    @Test("two connections share one durable consumer")
    func sharedConsumer() async throws {
        try await BrokerServerHarness.scenario("shared_consumer")
    }

    @Test("nack and ack-wait expiry redeliver over the wire")
    func redelivery() async throws {
        try await BrokerServerHarness.scenario("redelivery")
    }

    @Test("every error code reachable by bad input comes back, and the connection stays usable")
    func errorCodes() async throws {
        let harness = try await BrokerServerHarness.start { configuration in
            configuration.broker.autoCreateTopics = false
            configuration.broker.maxMessageBytes = 1024
            configuration.broker.maxBatchMessages = 3
            configuration.session.maxSubscriptionsPerConnection = 2
        }
        try harness.server.broker.createTopic("t")
        try harness.server.broker.createTopic("u")
        try await harness.run("errors")
        try await harness.finish()
    }

    @Test("a subscriber that stops reading is served from the log, not pushed everything")
    func slowSubscriber() async throws {
        try await BrokerServerHarness.scenario("slow_subscriber")
    }

    @Test("pipelined publishes past the pending limit pause reading, resume, and are all confirmed in order")
    func pipelinedPublishes() async throws {
        try await BrokerServerHarness.scenario("pipelined_publishes") { configuration in
            configuration.session.maxPendingPublishes = 2
        }
    }

    @Test("admin API, health, readiness and metrics")
    func admin() async throws {
        try await BrokerServerHarness.scenario("admin")
    }

    @Test("a durable subscriber resumes after a restart on the same data")
    func restart() async throws {
        let first = try await BrokerServerHarness.start()
        try await first.run("restart_publish")
        try await first.stop()
        let second = try await BrokerServerHarness.start(directory: first.directory)
        #expect(second.server.recoveryReport.cleanShutdown)
        try await second.run("restart_resume")
        try await second.finish()
    }

    @Test("shutdown sends the confirms in flight, then closes with 1001")
    func drainOnShutdown() async throws {
        let harness = try await BrokerServerHarness.start()
        let server = harness.server
        let result = try await ScenarioRunner.run("drain_on_shutdown", port: harness.port) { action in
            if action == "shutdown" { try await server.shutdown() }
        }
        #expect(result.status == 0, "\(result.output)")
        harness.directory.remove()
    }
}
