import NIOConcurrencyHelpers
import NIOCore
import RoostClient
import RoostProtocol
import RoostServer
import Testing

/// The batching publisher's frames, confirms, bounds and failures: against the fake broker (to see the
/// frames) and the real one (dedup across a restart, a refused batch).
@Suite(.timeLimit(.minutes(1))) struct BatchingPublisherTests {
    /// Every outcome `onConfirm` saw, in order.
    final class Outcomes: Sendable {
        let results = NIOLockedValueBox<[Result<PublishConfirm, RoostClientError>]>([])
        var all: [Result<PublishConfirm, RoostClientError>] { results.withLockedValue { $0 } }
        var offsets: [Int64] { all.compactMap { try? $0.get().offset } }
        func record(_ result: Result<PublishConfirm, RoostClientError>) { results.withLockedValue { $0.append(result) } }
    }

    @Test func queuedMessagesGoOutAsBatchFramesAndEveryMessageGetsItsOwnConfirm() async throws {
        let broker = FakeBroker()
        let (server, port) = try await RoostClientTests.start(broker)
        let client = RoostClientTests.client(port)
        try await client.connect()
        let outcomes = Outcomes()
        let publisher = BatchingPublisher(client: client, topic: "bulk", window: 200, onConfirm: outcomes.record)
        for i in 0..<1_000 { try await publisher.publish(OutgoingMessage("m\(i)")) }
        let summary = try await publisher.flush()

        #expect(summary.confirmed == 1_000 && summary.lastConfirm?.offset == 999 && summary.lastConfirm?.count == 1)
        #expect(outcomes.offsets == Array(0..<1_000))
        #expect(outcomes.all.allSatisfy { (try? $0.get().count) == 1 })
        #expect(broker.messages("bulk").map { String(buffer: $0.payload) } == (0..<1_000).map { "m\($0)" })
        let frames = broker.frames
        #expect(frames.map(\.sizes.count).reduce(0, +) == 1_000)
        // A frame holds at most an eighth of the window; a burst is packed, not sent message by message.
        #expect(frames.allSatisfy { $0.sizes.count <= 25 && $0.batch == ($0.sizes.count > 1) })
        #expect(frames.count < 1_000 && publisher.framesSent == frames.count)
        await client.close()
        await server.shutdown()
    }

    @Test func aFrameStaysUnderTheByteBoundAndALargerMessageGoesAlone() async throws {
        let broker = FakeBroker()
        let (server, port) = try await RoostClientTests.start(broker)
        let client = RoostClientTests.client(port)
        try await client.connect()
        // 40 payload bytes + a 15-byte id: three fit in 200 bytes, a fourth does not.
        let publisher = BatchingPublisher(client: client, topic: "t", window: 1_000, maxBatchBytes: 200)
        let small = String(repeating: "s", count: 40)
        for _ in 0..<20 { try await publisher.publish(OutgoingMessage(small)) }
        try await publisher.publish(OutgoingMessage(String(repeating: "L", count: 500)))
        for _ in 0..<20 { try await publisher.publish(OutgoingMessage(small)) }
        #expect(try await publisher.flush().confirmed == 41)

        let frames = broker.frames
        #expect(frames.flatMap(\.sizes) == Array(repeating: 40, count: 20) + [500] + Array(repeating: 40, count: 20))
        #expect(frames.allSatisfy { $0.sizes.count <= 3 })
        #expect(frames.contains { $0.sizes == [500] })
        await client.close()
        await server.shutdown()
    }

    @Test func aSinglePublishStaysOnePublishFrame() async throws {
        let broker = FakeBroker()
        let (server, port) = try await RoostClientTests.start(broker)
        let client = RoostClientTests.client(port)
        try await client.connect()
        _ = try await client.publish(topic: "t", data: ByteBuffer(string: "one"))
        #expect(broker.frames.count == 1 && broker.frames.first?.batch == false)
        await client.close()
        await server.shutdown()
    }

    @Test func theWindowBoundsQueuedAndUnconfirmedMessages() async throws {
        let broker = FakeBroker()
        let (server, port) = try await RoostClientTests.start(broker)
        let client = RoostClientTests.client(port)
        try await client.connect()
        broker.setWithholdConfirms(true)
        let publisher = BatchingPublisher(client: client, topic: "t", window: 10)
        for i in 0..<10 { try await publisher.publish(OutgoingMessage("m\(i)")) }
        // A full window is sent at once; the eleventh publish waits for room (here: until cancelled).
        while broker.messages("t").count < 10 { await Task.yield() }
        let eleventh = Task { try await publisher.publish(OutgoingMessage("m10")) }
        eleventh.cancel()
        await #expect(throws: CancellationError.self) { try await eleventh.value }
        #expect(broker.messages("t").count == 10)
        await client.close()
        await server.shutdown()
    }

    @Test func batchesResentAfterAReconnectAreStoredOnceInOrder() async throws {
        let broker = FakeBroker()
        var (server, port) = try await RoostClientTests.start(broker)
        let client = RoostClientTests.client(port)
        try await client.connect()
        let outcomes = Outcomes()
        let publisher = BatchingPublisher(client: client, topic: "t", window: 1_000, onConfirm: outcomes.record)
        // Stored, but the connection dies before the confirms.
        broker.setWithholdConfirms(true)
        for i in 0..<300 { try await publisher.publish(OutgoingMessage("m\(i)")) }
        let flushed = Task { try await publisher.flush() }
        while broker.messages("t").count < 300 { await Task.yield() }
        await server.shutdown()
        broker.setWithholdConfirms(false)
        (server, port) = try await RoostClientTests.start(broker, port: port)

        #expect(try await flushed.value.confirmed == 300)
        #expect(broker.messages("t").map { String(buffer: $0.payload) } == (0..<300).map { "m\($0)" })
        #expect(outcomes.offsets == Array(0..<300))
        #expect(broker.frames.contains { $0.batch })
        await client.close()
        await server.shutdown()
    }

    @Test func aRefusedBatchFailsEachOfItsMessagesAndReportsTheFailureOnce() async throws {
        let broker = try await LiveBroker.start()
        let client = LiveBrokerTests.client(broker)
        try await client.connect()
        let outcomes = Outcomes()
        let publisher = BatchingPublisher(client: client, topic: "bad..name", window: 100, onConfirm: outcomes.record)
        var thrown: [RoostClientError] = []
        for i in 0..<40 {
            do { try await publisher.publish(OutgoingMessage("m\(i)")) } catch let error as RoostClientError { thrown.append(error) }
        }
        do { _ = try await publisher.flush() } catch let error as RoostClientError { thrown.append(error) }
        // The 40 go out in several frames (flush points every window/8 = 12 messages, and the 200 µs timer), and
        // a refusal that comes back while publishing goes on is thrown by the next publish: each failure is thrown
        // once, never once per message, so between 1 and one per frame, however the refusals and publishes
        // interleave (a loaded machine saw 4).
        #expect(!thrown.isEmpty && thrown.count <= publisher.framesSent, "\(thrown), \(publisher.framesSent) frames")
        #expect(thrown.allSatisfy { $0.isServerError(.invalidTopic) }, "\(thrown)")
        #expect(outcomes.all.count == 40)
        #expect(outcomes.all.allSatisfy { if case .failure(let e) = $0 { e.isServerError(.invalidTopic) } else { false } })
        #expect(try await publisher.flush().confirmed == 0)
        await client.close()
        try await broker.stop()
    }

    @Test func batchesAcrossABrokerRestartAreStoredOnceInOrder() async throws {
        var broker = try await LiveBroker.start()
        let client = LiveBrokerTests.client(broker)
        try await client.connect()
        let publisher = BatchingPublisher(client: client, topic: "events", window: 500)
        for i in 0..<1_500 { try await publisher.publish(OutgoingMessage("m\(i)")) }
        broker = try await broker.restart()
        for i in 1_500..<3_000 { try await publisher.publish(OutgoingMessage("m\(i)")) }
        let summary = try await publisher.flush()
        #expect(summary.confirmed == 3_000 && summary.lastConfirm?.offset == 2_999)

        let subscription = try await client.subscribe(SubscriptionOptions(topic: "events", from: .earliest, maxInflight: 500))
        var messages = subscription.messages.makeAsyncIterator()
        var seen: [String] = []
        while seen.count < 3_000, let m = try await messages.next() { seen.append(m.string) }
        #expect(seen == (0..<3_000).map { "m\($0)" })
        await client.close()
        try await broker.stop()
    }
}
