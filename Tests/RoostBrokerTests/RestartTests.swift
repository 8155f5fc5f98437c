import NIOCore
import RoostBroker
import RoostStorage
import Testing

@Suite(.timeLimit(.minutes(1))) struct RestartTests {
    @Test func acksAndPositionsSurviveARestartAndOfflineMessagesArrive() async throws {
        let fixture = try BrokerFixture()
        let request = SubscriptionRequest(filter: "t", consumer: "durable", start: .earliest, ackPolicy: .explicit, maxInFlight: 50)
        try await fixture.publish("t", count: 100)
        let (subscription, sink) = try fixture.subscribe(request)
        await sink.wait(forCount: 50)
        try subscription.ackCumulative(topic: "t", upTo: 29)
        for offset: Int64 in [31, 33, 40] { try subscription.ack(topic: "t", offset: offset) }
        try await fixture.restart()
        try await fixture.publish("t", count: 10, from: 100)

        let description = try fixture.broker.describeConsumer("durable")
        #expect(description.topics[0].ackFloor == 30)
        #expect(description.members == 0 && description.lag == 80)
        let (_, resumed) = try fixture.subscribe(request, mode: .ack)
        await resumed.wait(forCount: 77)
        let expected = (30..<110).filter { ![31, 33, 40].contains($0) }.map { Int64($0) }
        #expect(resumed.snapshot.offsets("t") == expected)
    }

    @Test func ackNoneConsumersPersistTheirCursor() async throws {
        let fixture = try BrokerFixture()
        let request = SubscriptionRequest(filter: "t", consumer: "tailer", start: .earliest)
        try await fixture.publish("t", count: 20)
        let (subscription, sink) = try fixture.subscribe(request, mode: .credit)
        await sink.wait(forCount: 20)
        subscription.close()
        try await fixture.restart()
        try await fixture.publish("t", count: 5, from: 20)
        let (_, resumed) = try fixture.subscribe(request, mode: .credit)
        await resumed.wait(forCount: 5)
        #expect(resumed.snapshot.offsets("t") == Array(20..<25))
    }

    @Test func consumerAdministration() async throws {
        let fixture = try BrokerFixture()
        let request = SubscriptionRequest(filter: "t", consumer: "ops", start: .earliest, ackPolicy: .explicit)
        try await fixture.publish("t", count: 10)
        fixture.clock.advance(by: 1_000)
        let cut = fixture.clock.nowMilliseconds()
        try await fixture.publish("t", count: 10, from: 10)
        let (subscription, sink) = try fixture.subscribe(request, mode: .ack)
        await sink.wait(forCount: 20)
        #expect(throws: BrokerError.self) { try fixture.broker.resetConsumer("ops", to: .earliest) }
        subscription.close()
        try fixture.broker.resetConsumer("ops", to: .time(cut))
        #expect(try fixture.broker.describeConsumer("ops").topics[0].ackFloor == 10)
        #expect(try fixture.broker.describeConsumer("ops").lag == 10)
        try await fixture.restart()
        #expect(try fixture.broker.describeConsumer("ops").topics[0].ackFloor == 10)
        let (_, again) = try fixture.subscribe(request, mode: .ack)
        await again.wait(forCount: 10)
        #expect(again.snapshot.offsets("t") == Array(10..<20))
        #expect(fixture.broker.listConsumers().map(\.name) == ["ops"])
        try fixture.broker.deleteConsumer("ops")
        await again.wait { $0.closed == .consumerDeleted }
        #expect(fixture.broker.listConsumers().isEmpty)
        try await fixture.restart()
        #expect(fixture.broker.listConsumers().isEmpty)
        #expect(throws: BrokerError.self) { try fixture.broker.describeConsumer("ops") }
    }
}
