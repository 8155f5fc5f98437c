import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct RedeliveryTests {
    @Test func ackWaitExpiryRedelivers() async throws {
        let fixture = try BrokerFixture()
        try await fixture.publish("t", count: 3)
        let (subscription, sink) = try fixture.subscribe(
            SubscriptionRequest(filter: "t", consumer: "c", start: .earliest, ackPolicy: .explicit, ackWaitMilliseconds: 1_000, maxDeliveries: nil))
        await sink.wait(forCount: 3)
        try subscription.ack(topic: "t", offset: 1)
        #expect(throws: BrokerError.self) { try subscription.ack(topic: "t", offset: 1) }
        fixture.clock.advance(by: 999)
        fixture.broker.tick()
        fixture.clock.advance(by: 1)
        fixture.broker.tick()
        await sink.wait(forCount: 5)
        let redelivered = sink.snapshot.deliveries.dropFirst(3)
        #expect(redelivered.map(\.offset) == [0, 2])
        #expect(redelivered.allSatisfy { $0.redelivered && $0.deliveryCount == 2 })
        try subscription.ackCumulative(topic: "t", upTo: 2)
        let position = try fixture.broker.describeConsumer("c").topics[0]
        #expect(position.ackFloor == 3 && position.unacked == 0)
    }

    @Test func nackRedeliversNowOrAfterTheDelay() async throws {
        let fixture = try BrokerFixture()
        try await fixture.publish("t", count: 2)
        let (subscription, sink) = try fixture.subscribe(SubscriptionRequest(filter: "t", start: .earliest, ackPolicy: .explicit))
        await sink.wait(forCount: 2)
        try subscription.nack(topic: "t", offset: 0)
        await sink.wait(forCount: 3)
        #expect(sink.snapshot.deliveries[2].offset == 0 && sink.snapshot.deliveries[2].redelivered)
        try subscription.nack(topic: "t", offset: 1, delayMilliseconds: 5_000)
        fixture.clock.advance(by: 4_999)
        fixture.broker.tick()
        #expect(sink.snapshot.count == 3)
        fixture.clock.advance(by: 1)
        fixture.broker.tick()
        await sink.wait(forCount: 4)
        #expect(sink.snapshot.deliveries[3].offset == 1)
    }

    @Test func maxDeliveriesMovesTheMessageToTheDeadLetterTopic() async throws {
        let fixture = try BrokerFixture()
        _ = try await fixture.broker.publish(topic: "orders", messages: [
            PublishMessage(key: ByteBuffer(string: "k"), headers: [RecordHeader(name: "trace", value: "ab")], payload: ByteBuffer(string: "poison")),
            PublishMessage(payload: ByteBuffer(string: "fine")),
        ])
        let (subscription, sink) = try fixture.subscribe(
            SubscriptionRequest(filter: "orders", consumer: "billing", start: .earliest, ackPolicy: .explicit, ackWaitMilliseconds: 100, maxDeliveries: 3))
        await sink.wait(forCount: 2)
        try subscription.ack(topic: "orders", offset: 1)
        for deliveries in 2...3 {
            fixture.clock.advance(by: 100)
            fixture.broker.tick()
            await sink.wait(forCount: deliveries + 1)
        }
        #expect(sink.snapshot.deliveries.last?.deliveryCount == 3)
        let (_, dlqSink) = try fixture.subscribe(SubscriptionRequest(filter: "$dlq.billing", start: .earliest))
        fixture.clock.advance(by: 100)
        fixture.broker.tick()
        await dlqSink.wait(forCount: 1)
        let dead = dlqSink.snapshot.deliveries[0].message.record
        #expect(String(buffer: dead.value) == "poison" && dead.key == ByteBuffer(string: "k"))
        let headers = Dictionary(dead.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(headers["trace"] == "ab")
        #expect(headers[BrokerHeaders.deadLetterTopic] == "orders")
        #expect(headers[BrokerHeaders.deadLetterOffset] == "0")
        #expect(headers[BrokerHeaders.deadLetterConsumer] == "billing")
        #expect(headers[BrokerHeaders.deadLetterReason] == "max_deliveries")
        #expect(headers[BrokerHeaders.deadLetterDeliveries] == "3")
        #expect(sink.snapshot.count == 4, "no fourth delivery of the poison message")
        let dlq = try fixture.broker.describeTopic("$dlq.billing")
        #expect(dlq.system && dlq.endOffset == 1)
        // Dead-lettered counts as done: the floor moves past it. (The in-memory append completes inside the
        // pump's step, so once the pump delivers the next message the dead letter was acked.)
        try await fixture.publish("orders", count: 1, from: 2)
        await sink.wait(forCount: 5)
        #expect(try fixture.broker.describeConsumer("billing").topics[0].ackFloor == 2)
    }

    @Test func explicitAckBoundsInFlightAndCreditBoundsAckNone() async throws {
        let fixture = try BrokerFixture()
        try await fixture.publish("t", count: 100)
        let (explicit, explicitSink) = try fixture.subscribe(SubscriptionRequest(filter: "t", start: .earliest, ackPolicy: .explicit, maxInFlight: 7))
        let (credited, creditSink) = try fixture.subscribe(SubscriptionRequest(filter: "t", start: .earliest, ackPolicy: .none, maxInFlight: 5))
        await explicitSink.wait(forCount: 7)
        await creditSink.wait(forCount: 5)
        // Nothing more arrives without acks or credit: a second publish wakes the pumps, which find no credit.
        try await fixture.publish("t", count: 1, from: 100)
        try explicit.ack(topic: "t", offset: 0)
        await explicitSink.wait(forCount: 8)
        credited.grantCredit(3)
        await creditSink.wait(forCount: 8)
        #expect(explicitSink.snapshot.count == 8 && creditSink.snapshot.count == 8)
        #expect(creditSink.snapshot.offsets("t") == Array(0..<8))
    }

    @Test func inProgressRestartsTheAckWaitAndTerminateDeadLettersAtOnce() async throws {
        let fixture = try BrokerFixture()
        try await fixture.publish("t", count: 4)
        let (subscription, sink) = try fixture.subscribe(
            SubscriptionRequest(filter: "t", consumer: "worker", start: .earliest, ackPolicy: .explicit, ackWaitMilliseconds: 1_000))
        await sink.wait(forCount: 4)
        fixture.clock.advance(by: 900)
        try subscription.inProgress(topic: "t", offset: 0)
        try subscription.terminate(topic: "t", offset: 1)
        try subscription.ack(topic: "t", offsets: [2, 3])
        #expect(throws: BrokerError.self) { try subscription.ack(topic: "t", offsets: [2]) }
        fixture.clock.advance(by: 200)
        fixture.broker.tick()
        // Offset 0 was extended to 1,900 ms: nothing is due at 1,100 ms.
        let (_, dlq) = try fixture.subscribe(SubscriptionRequest(filter: "$dlq.worker", start: .earliest), mode: .credit)
        await dlq.wait(forCount: 1)
        let headers = dlq.snapshot.deliveries[0].message.record.headers
        #expect(headers.contains(RecordHeader(name: BrokerHeaders.deadLetterReason, value: "terminated")))
        #expect(headers.contains(RecordHeader(name: BrokerHeaders.deadLetterOffset, value: "1")))
        #expect(sink.snapshot.count == 4)
        fixture.clock.advance(by: 800)
        fixture.broker.tick()
        await sink.wait(forCount: 5)
        #expect(sink.snapshot.deliveries[4].offset == 0 && sink.snapshot.deliveries[4].redelivered)
        try subscription.ack(topic: "t", offset: 0)
        #expect(try fixture.broker.describeConsumer("worker").topics[0].ackFloor == 4)
    }
}
