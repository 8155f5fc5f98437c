import NIOConcurrencyHelpers
import NIOCore
import RoostClient
import RoostServer
import Testing

/// A clock whose sleeps return at once and are recorded, so the reconnect loop runs without waiting.
final class RecordingClock: Clock, Sendable {
    typealias Instant = ContinuousClock.Instant
    private let sleeps = NIOLockedValueBox<[Duration]>([])

    var now: Instant { ContinuousClock.now }
    var minimumResolution: Duration { .nanoseconds(1) }
    var recorded: [Duration] { sleeps.withLockedValue { $0 } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let requested = deadline - now
        sleeps.withLockedValue { $0.append(requested) }
        try Task.checkCancellation()
    }
}

@Suite struct ReconnectLoopTests {
    @Test func backsOffPerAttemptThenGivesUpAndFailsWaitingPublishes() async throws {
        let broker = FakeBroker()
        let (server, port) = try await RoostClientTests.start(broker)
        let clock = RecordingClock()
        var configuration = RoostClientConfiguration()
        configuration.clock = clock
        configuration.random = { 0.5 }
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(10), multiplier: 2, jitter: 0.5)
        configuration.maxReconnectAttempts = 3
        let client = RoostClient(url: "ws://127.0.0.1:\(port)/v1/ws", configuration: configuration)
        var states = client.stateUpdates().makeAsyncIterator()
        try await client.connect()
        await server.shutdown()
        let waiting = Task { try await client.publish(topic: "t", data: ByteBuffer(string: "never")) }

        var seen: [ConnectionState] = []
        while let state = await states.next() {
            seen.append(state)
            if state == .closed { break }
        }
        #expect(seen == [.idle, .connecting, .connected, .reconnecting(attempt: 1), .reconnecting(attempt: 2),
                         .reconnecting(attempt: 3), .closed])
        // delay = initial * 2^(attempt-1) * (1 - jitter * (1 - 0.5)): 75, 150, 300 ms.
        let millis = clock.recorded.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }
        #expect(millis.count == 3)
        for (got, want) in zip(millis, [75.0, 150, 300]) { #expect(abs(got - want) < 5, "\(millis)") }
        await #expect(throws: RoostClientError.self) { try await waiting.value }
    }
}
