import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct PublishTests {
    @Test func publishAutoCreatesAndConfirmsOffsets() async throws {
        let fixture = try BrokerFixture()
        let confirm = try await fixture.broker.publish(
            topic: "orders.created", messages: (0..<3).map { PublishMessage(payload: ByteBuffer(string: "\($0)")) })
        #expect(confirm.messages.map(\.offset) == [0, 1, 2])
        #expect(confirm.messages.allSatisfy { !$0.duplicate && $0.timestamp == fixture.clock.nowMilliseconds() })
        let topic = try fixture.broker.describeTopic("orders.created")
        #expect(topic.autoCreated && topic.endOffset == 3 && topic.messageCount == 3)
        #expect(fixture.broker.stats().messagesIn == 3)
    }

    @Test func autoCreateCanBeTurnedOff() async throws {
        let fixture = try BrokerFixture(configuration: .init(autoCreateTopics: false, tickIntervalMilliseconds: nil))
        await #expect(throws: BrokerError(code: .topicNotFound, message: "topic 'x' does not exist")) {
            try await fixture.broker.publish(topic: "x", messages: [PublishMessage(payload: ByteBuffer(string: "a"))])
        }
        try fixture.broker.createTopic("x")
        let confirm = try await fixture.broker.publish(topic: "x", messages: [PublishMessage(payload: ByteBuffer(string: "a"))])
        #expect(confirm.messages.first?.offset == 0)
        #expect(try fixture.broker.describeTopic("x").autoCreated == false)
    }

    @Test func validationHasStableCodes() async throws {
        let fixture = try BrokerFixture(configuration: .init(maxMessageBytes: 100, maxBatchMessages: 3, maxBatchBytes: 200, tickIntervalMilliseconds: nil))
        func code(_ topic: String, _ messages: [PublishMessage]) async -> BrokerError.Code? {
            do {
                _ = try await fixture.broker.publish(topic: topic, messages: messages)
                return nil
            } catch {
                return error.code
            }
        }
        let small = PublishMessage(payload: ByteBuffer(repeating: 0, count: 90))
        #expect(await code("t", []) == .emptyBatch)
        #expect(await code("t", [PublishMessage(payload: ByteBuffer(repeating: 0, count: 101))]) == .messageTooLarge)
        #expect(await code("t", Array(repeating: small, count: 4)) == .batchTooLarge)
        #expect(await code("t", Array(repeating: small, count: 3)) == .batchTooLarge)
        #expect(await code("bad..name", [small]) == .invalidTopicName)
        #expect(await code("$dlq.x", [small]) == .reservedTopicName)
        let spoofed = PublishMessage(headers: [RecordHeader(name: "roost-dedup-id", value: "x")], payload: ByteBuffer(string: "a"))
        #expect(await code("t", [spoofed]) == .reservedHeader)
        #expect(await code("t", [small, small]) == nil)
    }

    @Test func sameDedupIdTwiceGivesOneMessageAndTheSameOffset() async throws {
        let fixture = try BrokerFixture()
        let message = PublishMessage(payload: ByteBuffer(string: "pay"), dedupId: "order-17")
        let first = try await fixture.broker.publish(topic: "orders", messages: [PublishMessage(payload: ByteBuffer(string: "x")), message])
        let second = try await fixture.broker.publish(topic: "orders", messages: [message])
        #expect(first.messages[1].offset == 1 && !first.messages[1].duplicate)
        #expect(second.messages[0].offset == 1 && second.messages[0].duplicate)
        #expect(try fixture.broker.describeTopic("orders").endOffset == 2)
        // The same id twice in one call: stored once.
        let both = try await fixture.broker.publish(topic: "orders", messages: [
            PublishMessage(payload: ByteBuffer(string: "a"), dedupId: "twice"), PublishMessage(payload: ByteBuffer(string: "a"), dedupId: "twice"),
        ])
        #expect(both.messages.map(\.offset) == [2, 2])
        #expect(try fixture.broker.describeTopic("orders").endOffset == 3)
        #expect(fixture.broker.stats().duplicatesDropped == 2)
    }

    @Test func aBatchMixesFreshDuplicateAndUnidentifiedMessagesInCallOrder() async throws {
        let fixture = try BrokerFixture()
        func message(_ id: String?) -> PublishMessage {
            PublishMessage(headers: [RecordHeader(name: "h", value: "v")], payload: ByteBuffer(string: id ?? "none"), dedupId: id)
        }
        let first = try await fixture.broker.publish(topic: "t", messages: [message("a"), message(nil), message("b")])
        #expect(first.messages.map(\.offset) == [0, 1, 2] && !first.messages.contains { $0.duplicate })
        let second = try await fixture.broker.publish(topic: "t", messages: [message("b"), message("c"), message(nil), message("a")])
        #expect(second.messages.map(\.offset) == [2, 3, 4, 0])
        #expect(second.messages.map(\.duplicate) == [true, false, false, true])
        // The id is stored as the last header (what rebuilds the table), after the publisher's own.
        let stored = try fixture.broker.describeTopic("t")
        #expect(stored.endOffset == 5)
        let records = try fixture.store.log(named: "t")?.read(from: 3, maxRecords: 2, maxBytes: 1 << 20).records ?? []
        #expect(records.map(\.headers) == [
            [RecordHeader(name: "h", value: "v"), RecordHeader(name: "roost-dedup-id", value: "c")],
            [RecordHeader(name: "h", value: "v")],
        ])
        #expect(BrokerHeaders.userHeaders(records[0].headers) == [RecordHeader(name: "h", value: "v")])
    }

    @Test func dedupWindowExpiresByTimeAndCount() async throws {
        let fixture = try BrokerFixture(configuration: .init(dedupWindowMilliseconds: 1_000, dedupMaxEntriesPerTopic: 2, tickIntervalMilliseconds: nil))
        func publish(_ id: String) async throws -> PublishedMessage {
            try await fixture.broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: id), dedupId: id)]).messages[0]
        }
        #expect(try await publish("a").offset == 0)
        #expect(try await publish("a").duplicate)
        fixture.clock.advance(by: 1_001)
        #expect(try await publish("a").offset == 1)
        _ = try await publish("b")
        _ = try await publish("c")
        _ = try await publish("d")
        #expect(try await publish("a").duplicate == false)
        #expect(try await publish("d").duplicate)
    }

    @Test(arguments: RestartMode.all)
    func dedupTableSurvivesARestart(mode: RestartMode) async throws {
        let fixture = try BrokerFixture(store: mode.store)
        let first = try await fixture.broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: "a"), dedupId: "retry-me")])
        try await fixture.restart(clean: mode.clean)
        let again = try await fixture.broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: "a"), dedupId: "retry-me")])
        #expect(again.messages[0].duplicate && again.messages[0].offset == first.messages[0].offset)
        #expect(try fixture.broker.describeTopic("t").endOffset == 1)
    }

    @Test func concurrentPublishesWithTheSameIdAppendOnce() async throws {
        let fixture = try BrokerFixture()
        let broker = fixture.broker
        let offsets = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: "a"), dedupId: "same")]).messages[0].offset
                }
            }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(offsets == [0])
        #expect(try broker.describeTopic("t").endOffset == 1)
    }

    @Test func topicAdministration() async throws {
        let fixture = try BrokerFixture()
        let broker = fixture.broker
        try broker.createTopic("a.b", configuration: LogConfiguration(retentionBytes: 1 << 20))
        #expect(throws: BrokerError.self) { try broker.createTopic("a.b") }
        #expect(throws: BrokerError.self) { try broker.createTopic("$dlq.x") }
        #expect(try broker.describeTopic("a.b").configuration.retentionBytes == 1 << 20)
        try broker.alterTopic("a.b", configuration: LogConfiguration(retentionBytes: 2 << 20))
        #expect(try broker.describeTopic("a.b").configuration.retentionBytes == 2 << 20)
        try await fixture.publish("c", count: 1)
        #expect(broker.listTopics().map(\.name) == ["a.b", "c"])
        try broker.deleteTopic("a.b")
        #expect(broker.listTopics().map(\.name) == ["c"])
        #expect(throws: BrokerError.self) { try broker.describeTopic("a.b") }
        try await fixture.restart()
        let restored = try fixture.broker.describeTopic("c")
        #expect(restored.autoCreated && restored.endOffset == 1)
    }
}
