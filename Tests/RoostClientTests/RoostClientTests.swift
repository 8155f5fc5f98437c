import NIOCore
import RoostClient
import RoostProtocol
import RoostServer
import Testing

/// The client against the real WebSocket transport with a small in-memory broker behind it.
@Suite struct RoostClientTests {
    static func client(_ port: Int, _ encoding: WireEncoding = .binary, reconnect: Bool = true) -> RoostClient {
        var configuration = RoostClientConfiguration()
        configuration.encoding = encoding
        configuration.reconnect = reconnect
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        return RoostClient(url: "ws://127.0.0.1:\(port)/v1/ws", configuration: configuration)
    }

    static func start(_ broker: FakeBroker, port: Int = 0) async throws -> (RoostServer, Int) {
        let server = broker.makeServer(port: port)
        try await server.start()
        return (server, try #require(server.localAddress?.port))
    }

    @Test(arguments: [WireEncoding.binary, .json])
    func publishReturnsTheConfirmAndCarriesKeyHeadersAndDedupID(_ encoding: WireEncoding) async throws {
        let broker = FakeBroker()
        let (server, port) = try await Self.start(broker)
        let client = Self.client(port, encoding)
        try await client.connect()
        let first = try await client.publish(topic: "orders", data: ByteBuffer(string: #"{"n":1}"#), key: "k1",
                                             headers: [Header(name: "trace", value: "ab")])
        let second = try await client.publish(topic: "orders", data: ByteBuffer(bytes: [0, 1, 2, 255]), dedupID: "mine")
        #expect(first.offset == 0 && second.offset == 1 && first.count == 1 && first.durable)
        let stored = broker.messages("orders")
        #expect(stored.count == 2)
        #expect(stored[0].key == ByteBuffer(string: "k1") && stored[0].headers == [Header(name: "trace", value: "ab")])
        #expect(stored[1].payload == ByteBuffer(bytes: [0, 1, 2, 255]))
        await client.close()
        await server.shutdown()
    }

    @Test func payloadsOfEveryFrameLengthFormArriveIntact() async throws {
        let broker = FakeBroker()
        let (server, port) = try await Self.start(broker)
        let client = Self.client(port)
        try await client.connect()
        let sizes = [0, 1, 3, 120, 125, 126, 127, 65_535, 65_536, 300_001]
        for size in sizes {
            let payload = ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            _ = try await client.publish(topic: "sizes", data: payload)
        }
        let stored = broker.messages("sizes")
        #expect(stored.map(\.payload.readableBytes) == sizes)
        for (message, size) in zip(stored, sizes) {
            #expect(message.payload == ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
        }
        await client.close()
        await server.shutdown()
    }

    @Test func publishBatchConfirmsTheFirstOffsetAndCount() async throws {
        let broker = FakeBroker()
        let (server, port) = try await Self.start(broker)
        let client = Self.client(port)
        try await client.connect()
        _ = try await client.publish(topic: "t", data: ByteBuffer(string: "x"))
        let confirm = try await client.publish(topic: "t", batch: (0..<5).map { OutgoingMessage("m\($0)") })
        #expect(confirm.offset == 1 && confirm.count == 5)
        #expect(broker.messages("t").map { String(buffer: $0.payload) } == ["x", "m0", "m1", "m2", "m3", "m4"])
        await client.close()
        await server.shutdown()
    }

    @Test func subscriptionDeliversBacklogThenCaughtUpThenLiveMessages() async throws {
        let broker = FakeBroker()
        let (server, port) = try await Self.start(broker)
        let client = Self.client(port)
        try await client.connect()
        for i in 0..<3 { _ = try await client.publish(topic: "t", data: ByteBuffer(string: "old\(i)")) }
        let subscription = try await client.subscribe(SubscriptionOptions(topic: "t", from: .earliest, maxInflight: 4))
        var iterator = subscription.makeAsyncIterator()
        var seen: [String] = []
        for _ in 0..<3 {
            guard case .message(let m)? = try await iterator.next() else { Issue.record("expected a message"); return }
            seen.append(m.string)
        }
        #expect(try await iterator.next() == .caughtUp(topic: "t", offset: 3))
        // More than maxInflight live messages: only flows if the client grants credit as it consumes.
        for i in 0..<10 { _ = try await client.publish(topic: "t", data: ByteBuffer(string: "new\(i)")) }
        for _ in 0..<10 {
            guard case .message(let m)? = try await iterator.next() else { Issue.record("expected a message"); return }
            seen.append(m.string)
        }
        #expect(seen == ["old0", "old1", "old2"] + (0..<10).map { "new\($0)" })
        try await subscription.unsubscribe()
        #expect(try await iterator.next() == nil)
        await client.close()
        await server.shutdown()
    }

    @Test func batchingPublisherConfirmsEveryMessage() async throws {
        let broker = FakeBroker()
        let (server, port) = try await Self.start(broker)
        let client = Self.client(port)
        try await client.connect()
        let publisher = BatchingPublisher(client: client, topic: "bulk", window: 50)
        for i in 0..<2_000 { try await publisher.publish(OutgoingMessage("m\(i)")) }
        let summary = try await publisher.flush()
        #expect(summary.confirmed == 2_000)
        #expect(summary.lastConfirm?.offset == 1_999)
        #expect(broker.messages("bulk").count == 2_000)
        await client.close()
        await server.shutdown()
    }

    @Test func reconnectResendsUnconfirmedPublishesWithoutDuplicatesAndResumesTheDurableConsumer() async throws {
        let broker = FakeBroker()
        var (server, port) = try await Self.start(broker)
        let client = Self.client(port)
        var states = client.stateUpdates().makeAsyncIterator()
        try await client.connect()
        let subscription = try await client.subscribe(SubscriptionOptions(topic: "t", consumer: "billing", from: .earliest))
        var messages = subscription.messages.makeAsyncIterator()
        _ = try await client.publish(topic: "t", data: ByteBuffer(string: "a"))
        #expect(try await messages.next()?.string == "a")

        // The broker stores the next publishes but the connection dies before it confirms them.
        broker.setWithholdConfirms(true)
        let pending = Task { try await client.publish(topic: "t", batch: [OutgoingMessage("b"), OutgoingMessage("c")]) }
        while broker.messages("t").count < 3 { await Task.yield() }
        await server.shutdown()
        broker.setWithholdConfirms(false)
        (server, port) = try await Self.start(broker, port: port)

        let confirm = try await pending.value
        #expect(confirm.offset == 1 && confirm.count == 2)
        #expect(broker.messages("t").map { String(buffer: $0.payload) } == ["a", "b", "c"])
        _ = try await client.publish(topic: "t", data: ByteBuffer(string: "d"))
        var rest: [String] = []
        while rest.count < 3, let m = try await messages.next() { rest.append(m.string) }
        #expect(rest == ["b", "c", "d"])
        var sawReconnect = false
        while let state = await states.next() {
            if case .reconnecting = state { sawReconnect = true }
            if sawReconnect && state == .connected { break }
        }
        #expect(sawReconnect)
        await client.close()
        #expect(await states.next() == .closed)
        await server.shutdown()
    }

    @Test func aPublishRefusedByADrainingBrokerIsResentAfterTheReconnect() async throws {
        let broker = FakeBroker()
        var (server, port) = try await Self.start(broker)
        let client = Self.client(port)
        try await client.connect()
        broker.setDraining(true)
        let pending = Task { try await client.publish(topic: "t", data: ByteBuffer(string: "a")) }
        while broker.frames.isEmpty { await Task.yield() }
        await server.shutdown()
        broker.setDraining(false)
        (server, port) = try await Self.start(broker, port: port)
        #expect(try await pending.value.offset == 0)
        #expect(broker.messages("t").map { String(buffer: $0.payload) } == ["a"] && broker.frames.count == 2)
        await client.close()
        await server.shutdown()
    }

    @Test func subscribeWhileReconnectingCompletesOnceTheBrokerIsBack() async throws {
        let broker = FakeBroker()
        var (server, port) = try await Self.start(broker)
        let client = Self.client(port)
        var states = client.stateUpdates().makeAsyncIterator()
        try await client.connect()
        await server.shutdown()
        while let state = await states.next() {
            if case .reconnecting = state { break }
        }
        let subscribing = Task { try await client.subscribe(SubscriptionOptions(topic: "t", from: .earliest)) }
        let publishing = Task { try await client.publish(topic: "t", data: ByteBuffer(string: "queued")) }
        (server, port) = try await Self.start(broker, port: port)
        let subscription = try await subscribing.value
        _ = try await publishing.value
        var messages = subscription.messages.makeAsyncIterator()
        #expect(try await messages.next()?.string == "queued")
        #expect(broker.messages("t").count == 1)
        await client.close()
        await server.shutdown()
    }

    @Test func firstConnectFailsClearlyWhenNothingListens() async throws {
        let broker = FakeBroker()
        let (server, port) = try await Self.start(broker)
        await server.shutdown()
        let client = Self.client(port)
        await #expect(throws: RoostClientError.self) { try await client.connect() }
        #expect(client.connectionState == .closed)
    }

    @Test func invalidURLsAreRejected() async {
        for url in ["http://x", "ws://", "ws://host:99999", "wss://", "wss://host:0"] {
            let client = RoostClient(url: url)
            await #expect(throws: RoostClientError.self) { try await client.connect() }
        }
    }

    @Test func cancellingAnAwaitedPublishEndsTheWait() async throws {
        let broker = FakeBroker()
        broker.setWithholdConfirms(true)
        let (server, port) = try await Self.start(broker)
        let client = Self.client(port)
        try await client.connect()
        let task = Task { try await client.publish(topic: "t", data: ByteBuffer(string: "x")) }
        while broker.messages("t").isEmpty { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        await client.close()
        await server.shutdown()
    }
}
