import NIOConcurrencyHelpers
import NIOCore
import RoostStorage
import Testing

@testable import RoostBroker

@Suite struct DeliveryBatchTests {
    static func messages(_ range: Range<Int>, topic: String = "t") -> [Message] {
        MessageBlock.messages(
            topic: topic, records: range.map { StoredRecord(offset: Int64($0), timestamp: 0, value: ByteBuffer(string: "m\($0)")) })
    }

    /// Runs (slices, redeliveries of one) read back as the deliveries they stand for, in order, by iteration and by
    /// index; empty slices add nothing.
    @Test func runsReadBackAsDeliveries() {
        let read = Self.messages(0..<10)
        var batch = DeliveryBatch()
        batch.append(read[2..<6])
        batch.append(read[6..<6])
        batch.append([read[0]], deliveryCount: 3)
        batch.append(read[6..<10])
        #expect(batch.runs.count == 3)
        #expect(batch.count == 9)
        let expected = [2, 3, 4, 5, 0, 6, 7, 8, 9].map(Int64.init)
        #expect(batch.map(\.offset) == expected)
        #expect(batch.indices.map { batch[$0].offset } == expected)
        #expect(batch.map(\.deliveryCount) == [1, 1, 1, 1, 3, 1, 1, 1, 1])
        #expect(batch.last?.offset == 9)
        #expect(DeliveryBatch().isEmpty && DeliveryBatch().first == nil)
    }

    /// A batch made of deliveries one by one holds each as a run of its own, with its count.
    @Test func deliveriesMakeOneRunEach() {
        let read = Self.messages(0..<3)
        let batch = DeliveryBatch([Delivery(message: read[1], deliveryCount: 2), Delivery(message: read[2], deliveryCount: 1)])
        #expect(batch.runs.count == 2)
        #expect(batch.map(\.offset) == [1, 2])
        #expect(batch.map(\.redelivered) == [true, false])
    }

    /// The consumer hands a member one run per assignment, not a delivery per message: a read of 300 messages to
    /// one member within credit is one run, a slice of the very messages read.
    @Test func aReadAssignedToOneMemberIsOneRun() async throws {
        let fixture = try BrokerFixture(configuration: BrokerConfiguration(tailCacheMessages: 1, tickIntervalMilliseconds: nil), store: .disk)
        let broker = fixture.broker
        _ = try await fixture.publish("t", count: 300)
        let sink = RunRecordingSink()
        let subscription = try broker.subscribe(SubscriptionRequest(filter: "t", start: .earliest, maxInFlight: 1_000), sink: sink)
        defer { subscription.close() }
        let batches = await sink.waitForCount(300)
        #expect(batches.flatMap { $0.map(\.offset) } == (0..<300).map(Int64.init))
        #expect(batches.reduce(0) { $0 + $1.runs.count } < 10, "runs per read, not per message")
    }
}

/// Records the batches as they come.
final class RunRecordingSink: DeliverySink {
    private let state = NIOLockedValueBox<(batches: [DeliveryBatch], waiter: (count: Int, CheckedContinuation<[DeliveryBatch], Never>)?)>(([], nil))

    func deliver(_ deliveries: DeliveryBatch) {
        let done: (CheckedContinuation<[DeliveryBatch], Never>, [DeliveryBatch])? = state.withLockedValue { state in
            state.batches.append(deliveries)
            guard let (count, continuation) = state.waiter, state.batches.reduce(0, { $0 + $1.count }) >= count else { return nil }
            state.waiter = nil
            return (continuation, state.batches)
        }
        if let (continuation, batches) = done { continuation.resume(returning: batches) }
    }

    /// The batches once they hold at least `count` deliveries.
    func waitForCount(_ count: Int) async -> [DeliveryBatch] {
        await withCheckedContinuation { continuation in
            let ready: [DeliveryBatch]? = state.withLockedValue { state in
                if state.batches.reduce(0, { $0 + $1.count }) >= count { return state.batches }
                state.waiter = (count, continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func caughtUp(topic: String, offset: Int64) {}
    func subscriptionClosed(reason: SubscriptionCloseReason) {}
}
