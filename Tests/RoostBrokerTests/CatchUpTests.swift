import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct CatchUpTests {
    @Test func durableConsumerResumesExactlyWhereItLeftOffThenGoesLive() async throws {
        let fixture = try BrokerFixture()
        try await fixture.publish("billing", count: 1_000)
        let request = SubscriptionRequest(filter: "billing", consumer: "invoices", start: .earliest, ackPolicy: .explicit, maxInFlight: 500)
        let (first, sink1) = try fixture.subscribe(request, mode: .ack)
        await sink1.wait { $0.caughtUp.contains { $0.topic == "billing" && $0.offset == 1_000 } }
        #expect(sink1.snapshot.offsets("billing") == Array(0..<1_000))
        first.close()
        #expect(sink1.snapshot.closed == .unsubscribed)

        try await fixture.publish("billing", count: 100_000, batch: 5_000, from: 1_000)
        let (_, sink2) = try fixture.subscribe(request, mode: .ack)
        await sink2.wait { $0.caughtUp.contains { $0.offset == 101_000 } }
        try await fixture.publish("billing", count: 10, from: 101_000)
        await sink2.wait(forCount: 100_010)
        #expect(sink2.snapshot.offsets("billing") == Array(1_000..<101_010))
        let payloads = sink2.snapshot.deliveries.suffix(2).map { String(buffer: $0.message.record.value) }
        #expect(payloads == ["m101008", "m101009"])
        #expect(sink2.snapshot.deliveries.allSatisfy { !$0.redelivered })
    }

    @Test(arguments: 0..<20)
    func replayToLiveSwitchHasNoGapAndNoDuplicate(round: Int) async throws {
        // A small tail cache forces the subscriber through log reads, memory and the handover between them
        // while a publisher keeps appending in batches of random sizes.
        let fixture = try BrokerFixture(configuration: .init(tailCacheMessages: 64, readBatchMessages: 97, tickIntervalMilliseconds: nil))
        var rng = SystemRandomNumberGenerator()
        let backlog = Int.random(in: 0..<3_000, using: &rng)
        try await fixture.publish("t", count: backlog, batch: 250)
        let total = backlog + 5_000
        let broker = fixture.broker
        async let publishing: Void = {
            var next = backlog
            while next < total {
                let size = min(Int.random(in: 1...200), total - next)
                _ = try await broker.publish(topic: "t", messages: (next..<next + size).map { PublishMessage(payload: ByteBuffer(string: "m\($0)")) })
                next += size
                if Bool.random() { await Task.yield() }
            }
        }()
        let ackPolicy: AckPolicy = round.isMultiple(of: 2) ? .explicit : .none
        let (_, sink) = try fixture.subscribe(
            SubscriptionRequest(filter: "t", start: .earliest, ackPolicy: ackPolicy, maxInFlight: Int.random(in: 1...300)),
            mode: ackPolicy == .explicit ? .ack : .credit)
        try await publishing
        await sink.wait(forCount: total)
        #expect(sink.snapshot.offsets("t") == (0..<Int64(total)).map { $0 })
        #expect(sink.snapshot.deliveries.enumerated().allSatisfy { String(buffer: $1.message.record.value) == "m\($0)" })
    }

    @Test func startPositionsApplyAtCreation() async throws {
        let fixture = try BrokerFixture()
        try await fixture.publish("t", count: 10)
        fixture.clock.advance(by: 1_000)
        let cut = fixture.clock.nowMilliseconds()
        try await fixture.publish("t", count: 5, from: 10)
        let cases: [(StartPosition, Int64)] = [(.earliest, 0), (.latest, 15), (.offset(7), 7), (.offset(-3), 0), (.offset(99), 15), (.time(cut), 10)]
        for (start, expected) in cases {
            let (subscription, sink) = try fixture.subscribe(SubscriptionRequest(filter: "t", start: start), mode: .credit)
            await sink.wait { !$0.caughtUp.isEmpty }
            #expect(sink.snapshot.offsets("t").first ?? 15 == expected, "\(start)")
            #expect(sink.snapshot.caughtUp.first?.offset == 15)
            subscription.close()
        }
        #expect(fixture.broker.listConsumers().isEmpty)
    }

    @Test func liveMessagesAreSharedByReference() async throws {
        let fixture = try BrokerFixture()
        try fixture.broker.createTopic("t")
        let (_, a) = try fixture.subscribe(SubscriptionRequest(filter: "t"), mode: .credit)
        let (_, b) = try fixture.subscribe(SubscriptionRequest(filter: "t"), mode: .credit)
        await a.wait { !$0.caughtUp.isEmpty }
        await b.wait { !$0.caughtUp.isEmpty }
        try await fixture.publish("t", count: 3)
        await a.wait(forCount: 3)
        await b.wait(forCount: 3)
        for (x, y) in zip(a.snapshot.deliveries, b.snapshot.deliveries) { #expect(x.message === y.message) }
        let key = MessageEncodingKey(rawValue: 1)
        let message = a.snapshot.deliveries[0].message
        let encoded = message.encoded(as: key) { ByteBuffer(string: "enc-\($0.offset)") }
        let cached = message.encoded(as: key) { _ in ByteBuffer(string: "again") }
        #expect(String(buffer: encoded) == "enc-0" && String(buffer: cached) == "enc-0")
    }
}
