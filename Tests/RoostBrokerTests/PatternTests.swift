import NIOCore
import RoostBroker
import Testing

@Suite(.timeLimit(.minutes(1))) struct PatternTests {
    @Test func patternsAndExactNamesIncludingTopicsCreatedLater() async throws {
        let fixture = try BrokerFixture()
        try fixture.broker.createTopic("orders.created")
        try fixture.broker.createTopic("orders.eu.created")
        let (_, star) = try fixture.subscribe(SubscriptionRequest(filter: "orders.*", start: .earliest), mode: .credit)
        let (_, tail) = try fixture.subscribe(SubscriptionRequest(filter: "orders.>", start: .earliest), mode: .credit)
        let (_, exact) = try fixture.subscribe(SubscriptionRequest(filter: "orders.created", start: .earliest), mode: .credit)
        let (_, notYet) = try fixture.subscribe(SubscriptionRequest(filter: "payments.settled", start: .earliest), mode: .credit)

        for topic in ["orders.created", "orders.eu.created", "orders.updated", "orders", "payments.settled", "other"] {
            try await fixture.publish(topic, count: 1)
        }
        await star.wait(forCount: 2)
        await tail.wait(forCount: 3)
        await exact.wait(forCount: 1)
        await notYet.wait(forCount: 1)
        // A marker publish to a topic every subscriber follows, so nothing stray can still be in flight.
        try await fixture.publish("orders.created", count: 1, from: 1)
        await star.wait(forCount: 3)
        await tail.wait(forCount: 4)
        await exact.wait(forCount: 2)
        #expect(Set(star.snapshot.deliveries.map(\.topic)) == ["orders.created", "orders.updated"])
        #expect(Set(tail.snapshot.deliveries.map(\.topic)) == ["orders.created", "orders.eu.created", "orders.updated"])
        #expect(Set(exact.snapshot.deliveries.map(\.topic)) == ["orders.created"])
        #expect(notYet.snapshot.deliveries.map(\.topic) == ["payments.settled"])
        #expect(star.snapshot.count == 3 && tail.snapshot.count == 4 && exact.snapshot.count == 2)
    }

    @Test func aDurablePatternConsumerFollowsNewTopicsAfterARestart() async throws {
        let fixture = try BrokerFixture()
        let request = SubscriptionRequest(filter: "events.*", consumer: "audit", start: .earliest, ackPolicy: .explicit)
        let (subscription, sink) = try fixture.subscribe(request, mode: .ack)
        try await fixture.publish("events.a", count: 5)
        await sink.wait(forCount: 5)
        subscription.close()
        try await fixture.publish("events.b", count: 3)
        try await fixture.restart()
        let (_, resumed) = try fixture.subscribe(request, mode: .ack)
        await resumed.wait(forCount: 3)
        #expect(resumed.snapshot.offsets("events.b") == [0, 1, 2])
        #expect(resumed.snapshot.offsets("events.a").isEmpty)
    }

    @Test func deletingATopicDetachesItsConsumers() async throws {
        let fixture = try BrokerFixture()
        try await fixture.publish("x.a", count: 2)
        let (_, sink) = try fixture.subscribe(SubscriptionRequest(filter: "x.*", consumer: "c", start: .earliest), mode: .credit)
        await sink.wait(forCount: 2)
        try fixture.broker.deleteTopic("x.a")
        #expect(try fixture.broker.describeConsumer("c").topics.isEmpty)
        try await fixture.publish("x.a", count: 1)
        await sink.wait(forCount: 3)
        #expect(sink.snapshot.deliveries.last?.offset == 0)
    }
}
