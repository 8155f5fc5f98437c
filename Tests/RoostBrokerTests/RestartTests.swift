import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

/// How a restart happens: the store kind, and whether the old broker was shut down cleanly.
struct RestartMode: Sendable, CustomTestStringConvertible {
    var store: BrokerFixture.StoreKind
    var clean: Bool

    static let all = [RestartMode(store: .memory, clean: false), RestartMode(store: .disk, clean: false), RestartMode(store: .disk, clean: true)]

    var testDescription: String { "\(store) \(clean ? "clean" : "crash")" }
}

@Suite(.timeLimit(.minutes(2))) struct RestartTests {
    @Test(arguments: RestartMode.all)
    func acksAndPositionsSurviveARestartAndOfflineMessagesArrive(mode: RestartMode) async throws {
        let fixture = try BrokerFixture(store: mode.store)
        let request = SubscriptionRequest(filter: "t", consumer: "durable", start: .earliest, ackPolicy: .explicit, maxInFlight: 50)
        try await fixture.publish("t", count: 100)
        let (subscription, sink) = try fixture.subscribe(request)
        await sink.wait(forCount: 50)
        try subscription.ackCumulative(topic: "t", upTo: 29)
        for offset: Int64 in [31, 33, 40] { try subscription.ack(topic: "t", offset: offset) }
        try await fixture.restart(clean: mode.clean)
        try await fixture.publish("t", count: 10, from: 100)

        let description = try fixture.broker.describeConsumer("durable")
        #expect(description.topics[0].ackFloor == 30)
        #expect(description.members == 0 && description.lag == 80)
        let (_, resumed) = try fixture.subscribe(request, mode: .ack)
        await resumed.wait(forCount: 77)
        let expected = (30..<110).filter { ![31, 33, 40].contains($0) }.map { Int64($0) }
        #expect(resumed.snapshot.offsets("t") == expected)
    }

    @Test(arguments: RestartMode.all)
    func ackNoneConsumersPersistTheirCursor(mode: RestartMode) async throws {
        let fixture = try BrokerFixture(store: mode.store)
        let request = SubscriptionRequest(filter: "t", consumer: "tailer", start: .earliest)
        try await fixture.publish("t", count: 20)
        let (subscription, sink) = try fixture.subscribe(request, mode: .credit)
        await sink.wait(forCount: 20)
        subscription.close()
        try await fixture.restart(clean: mode.clean)
        try await fixture.publish("t", count: 5, from: 20)
        let (_, resumed) = try fixture.subscribe(request, mode: .credit)
        await resumed.wait(forCount: 5)
        #expect(resumed.snapshot.offsets("t") == Array(20..<25))
    }

    @Test func consumerAdministration() async throws {
        let fixture = try BrokerFixture(store: .disk)
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

    @Test(arguments: [false, true])
    func restartInTheMiddleOfCatchUpSharingAndDeadLettersOnDisk(clean: Bool) async throws {
        let fixture = try BrokerFixture(store: .disk)
        let request = SubscriptionRequest(
            filter: "orders.*", consumer: "billing", start: .earliest, ackPolicy: .explicit, ackWaitMilliseconds: 100, maxDeliveries: 2,
            maxInFlight: 100)
        try await fixture.publish("orders.eu", count: 1_000)
        let counter = DeliveryCounter()
        let members = try (0..<3).map { _ in try fixture.subscribe(request, mode: .ack, counter: counter) }
        await counter.wait(for: 1_000)
        for (subscription, _) in members { subscription.close() }
        // A poison message: delivered, never acked, dead-lettered after two deliveries.
        try await fixture.publish("orders.us", count: 1)
        let (poisoned, silent) = try fixture.subscribe(request)
        await silent.wait(forCount: 1)
        fixture.clock.advance(by: 100)
        fixture.broker.tick()
        await silent.wait(forCount: 2)
        fixture.clock.advance(by: 100)
        fixture.broker.tick()
        let (_, dlq) = try fixture.subscribe(SubscriptionRequest(filter: "$dlq.billing", start: .earliest), mode: .credit)
        await dlq.wait(forCount: 1)
        poisoned.close()
        try await fixture.publish("orders.eu", count: 2_000, from: 1_000)
        try await fixture.restart(clean: clean)

        #expect(try fixture.broker.describeTopic("$dlq.billing").endOffset == 1)
        #expect(try fixture.broker.describeTopic("orders.eu").endOffset == 3_000)
        let position = try fixture.broker.describeConsumer("billing")
        #expect(position.topics.first { $0.topic == "orders.eu" }?.ackFloor == 1_000)
        #expect(position.topics.first { $0.topic == "orders.us" }?.ackFloor == 1)
        let resumedCounter = DeliveryCounter()
        let resumed = try (0..<2).map { _ in try fixture.subscribe(request, mode: .ack, counter: resumedCounter).1 }
        await resumedCounter.wait(for: 2_000)
        try await fixture.publish("orders.eu", count: 1, from: 3_000)
        await resumedCounter.wait(for: 2_001)
        let offsets = resumed.flatMap { $0.snapshot.offsets("orders.eu") }
        #expect(offsets.count == 2_001 && Set(offsets) == Set(1_000..<3_001))
        #expect(resumed.allSatisfy { $0.snapshot.offsets("orders.us").isEmpty })
    }
}
