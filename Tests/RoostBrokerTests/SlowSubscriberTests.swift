import NIOCore
import RoostBroker
import RoostStorage
import Testing

@Suite(.timeLimit(.minutes(3))) struct SlowSubscriberTests {
    @Test func aSubscriberThatNeverReadsStaysWithinItsBound() async throws {
        let fixture = try BrokerFixture()
        try fixture.broker.createTopic("firehose", configuration: LogConfiguration(retentionBytes: 64 << 20))
        let total = 1_000_000
        let window = 100
        // Never acks: it holds at most `window` messages, and nothing else is queued for it anywhere.
        let (_, stuck) = try fixture.subscribe(
            SubscriptionRequest(filter: "firehose", consumer: "stuck", start: .earliest, ackPolicy: .explicit, maxInFlight: window), keep: false)
        let (_, fast) = try fixture.subscribe(SubscriptionRequest(filter: "firehose", start: .earliest, maxInFlight: 5_000), mode: .credit, keep: false)
        let broker = fixture.broker
        var next = 0
        while next < total {
            let batch = (0..<5_000).map { _ in PublishMessage(payload: ByteBuffer(repeating: 7, count: 16)) }
            _ = try await broker.publish(topic: "firehose", messages: batch)
            next += batch.count
        }
        await fast.wait(forCount: total)
        #expect(fast.snapshot.count == total)
        #expect(stuck.snapshot.count == window)
        let position = try broker.describeConsumer("stuck").topics[0]
        #expect(position.inFlight == window && position.unacked == window)
        #expect(position.nextOffset == Int64(window), "the cursor did not run ahead of what was delivered")
        #expect(position.lag == Int64(total))
    }
}
