import NIOCore
import RoostBroker
import Testing

@Suite(.timeLimit(.minutes(1))) struct SharedConsumerTests {
    @Test func threeMembersSplitTheMessagesExactlyOnce() async throws {
        let fixture = try BrokerFixture()
        try fixture.broker.createTopic("jobs")
        let request = SubscriptionRequest(filter: "jobs", consumer: "workers", start: .earliest, ackPolicy: .explicit, maxInFlight: 20)
        let total = DeliveryCounter()
        let sinks = try (0..<3).map { _ in try fixture.subscribe(request, mode: .ack, counter: total).1 }
        try await fixture.publish("jobs", count: 3_000, batch: 100)
        await total.wait(for: 3_000)
        let all = sinks.flatMap { $0.snapshot.offsets("jobs") }
        #expect(all.count == 3_000)
        #expect(Set(all) == Set(0..<3_000))
        #expect(sinks.filter { $0.snapshot.count > 0 }.count >= 2, "work was shared")
        let description = try fixture.broker.describeConsumer("workers")
        #expect(description.members == 3)
    }

    @Test func inFlightMessagesOfALeavingMemberGoToTheOthers() async throws {
        let fixture = try BrokerFixture()
        try fixture.broker.createTopic("jobs")
        let request = SubscriptionRequest(filter: "jobs", consumer: "workers", start: .earliest, ackPolicy: .explicit, maxInFlight: 10)
        // The first member never acks: it takes its 10 messages and dies.
        let (dying, silent) = try fixture.subscribe(request, mode: .record)
        try await fixture.publish("jobs", count: 10)
        await silent.wait(forCount: 10)
        let total = DeliveryCounter()
        let (_, helper1) = try fixture.subscribe(request, mode: .ack, counter: total)
        let (_, helper2) = try fixture.subscribe(request, mode: .ack, counter: total)
        try await fixture.publish("jobs", count: 20, from: 10)
        dying.close()
        await total.wait(for: 30)
        let redelivered = (helper1.snapshot.deliveries + helper2.snapshot.deliveries).filter(\.redelivered)
        #expect(Set(redelivered.map(\.offset)) == Set(0..<10))
        #expect(redelivered.allSatisfy { $0.deliveryCount == 2 })
        let offsets = (helper1.snapshot.deliveries + helper2.snapshot.deliveries).map(\.offset)
        #expect(Set(offsets) == Set(0..<30) && offsets.count == 30)
        let position = try fixture.broker.describeConsumer("workers").topics[0]
        #expect(position.ackFloor == 30 && position.unacked == 0 && position.lag == 0)
    }

    @Test func membersMustAgreeOnFilterAndAckPolicy() throws {
        let fixture = try BrokerFixture()
        _ = try fixture.subscribe(SubscriptionRequest(filter: "a", consumer: "c", ackPolicy: .explicit))
        #expect(throws: BrokerError.self) { try fixture.subscribe(SubscriptionRequest(filter: "b", consumer: "c", ackPolicy: .explicit)) }
        #expect(throws: BrokerError.self) { try fixture.subscribe(SubscriptionRequest(filter: "a", consumer: "c", ackPolicy: .none)) }
        #expect(throws: BrokerError.self) { try fixture.subscribe(SubscriptionRequest(filter: "a", consumer: "bad name")) }
        #expect(throws: BrokerError.self) { try fixture.subscribe(SubscriptionRequest(filter: "a", maxInFlight: 0)) }
    }
}
