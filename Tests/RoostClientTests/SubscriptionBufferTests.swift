import NIOCore
import RoostProtocol
import Testing

@testable import RoostClient

/// The client's subscription buffer with ack policy none stays within `maxInflight` messages against the
/// real broker, before and after a reconnect.
@Suite(.timeLimit(.minutes(1))) struct SubscriptionBufferTests {
    /// Round trips on the connection: each gives the broker time to push whatever credit allows.
    private func roundTrips(_ client: RoostClient, _ count: Int = 3) async throws {
        for _ in 0..<count { _ = try await client.publish(topic: "ping", data: ByteBuffer(string: "1")) }
    }

    private func publish(_ client: RoostClient, _ topic: String, _ range: Range<Int>) async throws {
        let publisher = BatchingPublisher(client: client, topic: topic, window: 100)
        for i in range { try await publisher.publish(OutgoingMessage("m\(i)")) }
        _ = try await publisher.flush()
    }

    @Test func anAckNoneBufferHoldsAtMostMaxInflightMessages() async throws {
        let broker = try await LiveBroker.start()
        let client = LiveBrokerTests.client(broker)
        try await client.connect()
        try await publish(client, "flow", 0..<300)
        let subscription = try await client.subscribe(SubscriptionOptions(topic: "flow", from: .earliest, maxInflight: 20, batch: 8))
        // Without client-managed credit the broker would push all 300 during these round trips.
        try await roundTrips(client)
        #expect(subscription.core.peakBuffered <= 20, "the broker fills the window, and no more, while nothing is consumed")
        var iterator = subscription.messages.makeAsyncIterator()
        for i in 0..<300 {
            let message = try #require(try await iterator.next())
            #expect(message.offset == Int64(i))
        }
        #expect(subscription.core.peakBuffered <= 20)
        await client.close()
        try await broker.stop()
    }

    @Test func aReconnectDoesNotGrowTheBufferBeyondMaxInflight() async throws {
        var broker = try await LiveBroker.start()
        let client = LiveBrokerTests.client(broker)
        try await client.connect()
        try await publish(client, "flow", 0..<100)
        let subscription = try await client.subscribe(SubscriptionOptions(topic: "flow", from: .earliest, maxInflight: 20, batch: 8))
        try await roundTrips(client)
        #expect(subscription.core.peakBuffered <= 20)

        var states = client.stateUpdates().makeAsyncIterator()
        broker = try await broker.restart()
        var dropped = false
        while let state = await states.next() {
            if state != .connected { dropped = true } else if dropped { break }
        }
        // The resubscribe went out before these publishes, so its `ok` (and anything it let through) came first.
        try await roundTrips(client)
        #expect(subscription.core.peakBuffered <= 20, "the resubscribe asked only for what the buffer had room for")

        var iterator = subscription.messages.makeAsyncIterator()
        for i in 0..<100 {
            let message = try #require(try await iterator.next())
            #expect(message.offset == Int64(i), "each message once, in order, across the reconnect")
        }
        #expect(subscription.core.peakBuffered <= 20)
        await client.close()
        try await broker.stop()
    }

    @Test func creditIsNeverSentForAnEarlierAttachment() {
        let core = SubscriptionCore(options: SubscriptionOptions(topic: "t", maxInflight: 2))
        #expect(core.subscribeFrame(id: RequestID(1)).credit == 2)
        #expect(core.attached(sub: "s1") == nil)
        let old = SubscriptionCore.CreditGrant(sub: "s1", attachment: 1, n: 1)
        #expect(core.isCurrent(old))
        core.connectionLost()
        _ = core.attached(sub: "s1")
        #expect(!core.isCurrent(old), "s1 on the new connection is a new attachment")
        let explicit = SubscriptionCore(options: SubscriptionOptions(topic: "t", ack: .explicit, maxInflight: 2))
        #expect(explicit.subscribeFrame(id: RequestID(1)).credit == nil)
    }
}
