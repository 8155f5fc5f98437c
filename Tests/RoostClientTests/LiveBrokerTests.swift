import Logging
import NIOCore
import RoostClient
import RoostProtocol
import Testing

/// The client against the real broker in-process.
@Suite(.timeLimit(.minutes(1))) struct LiveBrokerTests {
    static func client(_ broker: LiveBroker, _ encoding: WireEncoding = .binary) -> RoostClient {
        var configuration = RoostClientConfiguration()
        configuration.encoding = encoding
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        configuration.logger.logLevel = .warning
        return RoostClient(url: broker.url, configuration: configuration)
    }

    @Test(arguments: [WireEncoding.binary, .json])
    func publishThenSubscribeReplaysInOrderThenGoesLive(_ encoding: WireEncoding) async throws {
        let broker = try await LiveBroker.start()
        let client = Self.client(broker, encoding)
        try await client.connect()
        for i in 0..<50 {
            let confirm = try await client.publish(topic: "orders.created", data: ByteBuffer(string: #"{"n":\#(i)}"#), key: "k\(i)")
            #expect(confirm.offset == Int64(i) && confirm.durable)
        }
        let subscription = try await client.subscribe(SubscriptionOptions(topic: "orders.*", from: .earliest, maxInflight: 16, batch: 8))
        var iterator = subscription.makeAsyncIterator()
        for i in 0..<50 {
            guard case .message(let m)? = try await iterator.next() else { Issue.record("expected message \(i)"); return }
            #expect(m.offset == Int64(i) && m.string == #"{"n":\#(i)}"# && m.keyString == "k\(i)" && m.topic == "orders.created")
        }
        #expect(try await iterator.next() == .caughtUp(topic: "orders.created", offset: 50))
        _ = try await client.publish(topic: "orders.created", data: ByteBuffer(string: "42"))
        guard case .message(let live)? = try await iterator.next() else { Issue.record("expected the live message"); return }
        #expect(live.offset == 50)
        await client.close()
        try await broker.stop()
    }

    @Test func batchingPublisherConfirmsEveryMessage() async throws {
        let broker = try await LiveBroker.start()
        let client = Self.client(broker)
        try await client.connect()
        let publisher = BatchingPublisher(client: client, topic: "bulk", window: 200)
        for i in 0..<5_000 { try await publisher.publish(OutgoingMessage("m\(i)")) }
        let summary = try await publisher.flush()
        #expect(summary.confirmed == 5_000 && summary.lastConfirm?.offset == 4_999)
        await client.close()
        try await broker.stop()
    }

    @Test func durableConsumerResumesAfterTheBrokerRestartsWithoutGapsOrDuplicates() async throws {
        var broker = try await LiveBroker.start()
        let client = Self.client(broker)
        try await client.connect()
        for i in 0..<20 { _ = try await client.publish(topic: "billing", data: ByteBuffer(string: "m\(i)")) }
        let subscription = try await client.subscribe(SubscriptionOptions(
            topic: "billing", consumer: "biller", from: .earliest, ack: .explicit, maxInflight: 5))
        var messages = subscription.messages.makeAsyncIterator()
        var seen: [Int64] = []
        for _ in 0..<10 {
            let m = try #require(try await messages.next())
            seen.append(m.offset)
            subscription.ack(m)
        }
        // Let the acks reach the broker before it stops: publish and await a confirm (same connection, in order).
        _ = try await client.publish(topic: "billing", data: ByteBuffer(string: "m20"))

        broker = try await broker.restart()
        // Publishes made while the client reconnects are sent once it is back.
        let publisher = BatchingPublisher(client: client, topic: "billing", window: 10)
        for i in 21..<40 { try await publisher.publish(OutgoingMessage("m\(i)")) }
        #expect(try await publisher.flush().confirmed == 19)

        while seen.count < 40 {
            let m = try #require(try await messages.next())
            if seen.last.map({ m.offset > $0 }) ?? true { seen.append(m.offset) } else { Issue.record("out of order or duplicate: \(m.offset) after \(seen)") }
            subscription.ack(m)
        }
        #expect(seen == Array(0..<40))
        await client.close()
        try await broker.stop()
    }

    @Test func invalidTopicIsAServerErrorWithItsCode() async throws {
        let broker = try await LiveBroker.start()
        let client = Self.client(broker)
        try await client.connect()
        do {
            _ = try await client.publish(topic: "bad..name", data: ByteBuffer(string: "x"))
            Issue.record("an invalid topic name was accepted")
        } catch let error as RoostClientError {
            #expect(error.isServerError(.invalidTopic), "\(error)")
        }
        await client.close()
        try await broker.stop()
    }
}
