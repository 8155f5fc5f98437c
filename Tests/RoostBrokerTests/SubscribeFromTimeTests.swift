import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

/// A start from a time reads the time index: the broker says so (`immediateStart` is nil) and finds it on a reader
/// queue; every other start is known at once.
@Suite(.timeLimit(.minutes(1))) struct SubscribeFromTimeTests {
    private func request(_ start: StartPosition, consumer: String? = nil) -> SubscriptionRequest {
        SubscriptionRequest(filter: "t", consumer: consumer, start: start, ackPolicy: .none)
    }

    @Test func aTimeStartIsFoundOffTheCallersThreadAndDeliversFromThere() async throws {
        let directory = try TemporaryDirectory(prefix: "roost-subscribe-time")
        defer { directory.remove() }
        let clock = ManualClock()
        let store = GatedStore(InMemoryLogStore(clock: clock), holding: false)
        let broker = try Broker(configuration: .init(tickIntervalMilliseconds: nil), store: store,
                                stateDirectory: directory.appending("state"), clock: clock)
        defer { try? broker.shutdown() }
        let start = clock.nowMilliseconds()
        for i in 0..<6 {
            _ = try await broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: "m\(i)"))])
            clock.advance(by: 1_000)
        }
        #expect(try broker.immediateStart(for: request(.earliest)) != nil)
        #expect(try broker.immediateStart(for: request(.offset(2))) != nil)
        #expect(try broker.immediateStart(for: request(.time(start + 3_000))) == nil)
        #expect(throws: BrokerError.self) { try broker.immediateStart(for: SubscriptionRequest(filter: "bad..name", start: .earliest)) }

        store.closeGate()
        let (found, foundContinuation) = AsyncStream<Result<SubscriptionStart, BrokerError>>.makeStream()
        broker.findStart(for: request(.time(start + 3_000))) { foundContinuation.yield($0) }
        await store.waitUntilEntered(1)
        store.openGate()
        var iterator = found.makeAsyncIterator()
        let subscriptionStart = try #require(try await iterator.next()?.get())
        let sink = TestSink(mode: .credit)
        let subscription = try broker.subscribe(request(.time(start + 3_000)), from: subscriptionStart, sink: sink)
        sink.attach(subscription)
        await sink.wait(forCount: 3)
        #expect(sink.snapshot.offsets("t") == [3, 4, 5])
        subscription.close()
    }

    @Test func aTimeStartWithNothingToLookUpIsImmediate() async throws {
        let fixture = try BrokerFixture()
        // No topic matches yet: nothing to read, the subscription follows topics created later from their start.
        #expect(try fixture.broker.immediateStart(for: request(.time(5))) != nil)
        _ = try await fixture.broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: "m"))])
        let first = try fixture.broker.subscribe(request(.earliest, consumer: "d"), sink: TestSink())
        // Joining an existing durable consumer resumes at its own position: nothing to look up either.
        #expect(try fixture.broker.immediateStart(for: request(.time(5), consumer: "d")) != nil)
        first.close()
    }
}
