import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import RoostStorage
import RoostTesting
import Testing

@testable import RoostBroker

@Suite(.timeLimit(.minutes(1))) struct TopicReadCacheTests {
    private func topic(messages: Int, configuration: BrokerConfiguration, readCache: ReadChunkCache? = nil,
                       name: String = "events") async throws -> Topic {
        let store = InMemoryLogStore(clock: ManualClock())
        let log = try store.createLog(named: name, configuration: LogConfiguration())
        var index = 0
        while index < messages {
            let count = min(500, messages - index)
            _ = try await log.append((index..<index + count).map { Record(value: ByteBuffer(string: "m\($0)")) })
            index += count
        }
        return Topic(name: name, log: log, autoCreated: false, createdAt: 0, configuration: configuration, readCache: readCache)
    }

    /// Readers at different offsets of one chunk get the same `Message` instances, each exactly what they asked for.
    @Test func readersInOneChunkShareItsMessages() async throws {
        let topic = try await topic(messages: 1_000, configuration: BrokerConfiguration(readBatchMessages: 256))
        let cache = topic.readCache
        let first = try cache.read(topic, from: 10, maxMessages: 100, maxBytes: 1 << 20)
        let second = try cache.read(topic, from: 50, maxMessages: 500, maxBytes: 1 << 20)
        #expect(first.map(\.offset) == Array(10..<110))
        #expect(second.map(\.offset) == Array(50..<256), "up to the end of the chunk")
        #expect(zip(first.dropFirst(40), second).allSatisfy { $0 === $1 })
        let next = try cache.read(topic, from: 256, maxMessages: 10, maxBytes: 1 << 20)
        #expect(next.map(\.offset) == Array(256..<266))
        #expect(String(buffer: next[0].record.value) == "m256")
    }

    /// A chunk cut short by the byte limit goes on in cached parts, so readers further into it share reads too.
    @Test func readersPastAByteLimitedCutShareTheParts() async throws {
        let shared = ReadChunkCache(budgetBytes: 1 << 30, idleMilliseconds: 10_000, clock: ManualClock())
        let topic = try await topic(messages: 1_000, configuration: BrokerConfiguration(readBatchMessages: 100), readCache: shared)
        let cache = topic.readCache
        // Payloads "m0"..."m999": parts of about 40 bytes are 0...16, 17...30, ..., 59...72, 73...86, 87...99.
        let first = try cache.read(topic, from: 73, maxMessages: 10, maxBytes: 40)
        let second = try cache.read(topic, from: 74, maxMessages: 5, maxBytes: 40)
        #expect(first.map(\.offset) == Array(73..<83) && second.map(\.offset) == Array(74..<79))
        #expect(second[0] === first[1], "the same part of the chunk")
        #expect(shared.usage.chunks > 2, "the chunk's start and the parts after each cut")
        #expect(try cache.read(topic, from: 99, maxMessages: 5, maxBytes: 40).map(\.offset) == [99], "parts stop at the chunk's end")
    }

    /// The last, incomplete chunk is not cached: a reader there gets just what it asked for, read from the log.
    @Test func readsInTheIncompleteLastChunkGoToTheLog() async throws {
        let topic = try await topic(messages: 1_000, configuration: BrokerConfiguration(readBatchMessages: 256))
        let first = try topic.readCache.read(topic, from: 990, maxMessages: 5, maxBytes: 1 << 20)
        let second = try topic.readCache.read(topic, from: 990, maxMessages: 20, maxBytes: 1 << 20)
        #expect(first.map(\.offset) == Array(990..<995))
        #expect(second.map(\.offset) == Array(990..<1_000))
        #expect(first[0] !== second[0])
    }

    /// Within the byte budget, the least recently read chunk goes first: a budget of about two chunks keeps two.
    @Test func theLeastRecentlyReadChunkGoesFirst() async throws {
        let configuration = BrokerConfiguration(readBatchMessages: 100)
        let probe = try await topic(messages: 1_000, configuration: configuration)
        let chunkBytes = ReadChunkCache.cost(of: try probe.readCache.read(probe, from: 0, maxMessages: 100, maxBytes: 1 << 20))
        let shared = ReadChunkCache(budgetBytes: 2 * chunkBytes + chunkBytes / 2, idleMilliseconds: 10_000, clock: ManualClock())
        let topic = try await topic(messages: 1_000, configuration: configuration, readCache: shared)
        let cache = topic.readCache
        let a = try cache.read(topic, from: 0, maxMessages: 1, maxBytes: 1 << 20)
        _ = try cache.read(topic, from: 100, maxMessages: 1, maxBytes: 1 << 20)
        #expect(try cache.read(topic, from: 0, maxMessages: 1, maxBytes: 1 << 20)[0] === a[0], "still cached")
        _ = try cache.read(topic, from: 200, maxMessages: 1, maxBytes: 1 << 20)  // evicts chunk 100, read longest ago
        #expect(shared.usage.chunks == 2 && shared.usage.bytes <= shared.budgetBytes)
        #expect(try cache.read(topic, from: 0, maxMessages: 1, maxBytes: 1 << 20)[0] === a[0])
        let b = try cache.read(topic, from: 100, maxMessages: 1, maxBytes: 1 << 20)
        #expect(b.map(\.offset) == [100])
        _ = try cache.read(topic, from: 300, maxMessages: 1, maxBytes: 1 << 20)
        _ = try cache.read(topic, from: 400, maxMessages: 1, maxBytes: 1 << 20)
        #expect(try cache.read(topic, from: 100, maxMessages: 1, maxBytes: 1 << 20)[0] !== b[0], "evicted, read again")
    }

    /// The chunk to read ahead is the reader's own chunk if not cached, else the next one; none once both are cached
    /// or when the next one is not complete in the log.
    @Test func chunkToReadAheadIsTheNextUncachedCompleteChunk() async throws {
        let topic = try await topic(messages: 350, configuration: BrokerConfiguration(readBatchMessages: 100))
        let cache = topic.readCache
        #expect(cache.chunkToReadAhead(topic, from: 150) == 100)
        _ = try cache.read(topic, from: 150, maxMessages: 10, maxBytes: 1 << 20)
        #expect(cache.chunkToReadAhead(topic, from: 150) == 200)
        try cache.readAhead(topic, chunk: 200, maxBytes: 1 << 20)
        #expect(cache.chunkToReadAhead(topic, from: 150) == nil)
        #expect(cache.chunkToReadAhead(topic, from: 250) == nil, "chunk 300 is not complete")
    }

    /// A consumer that ran out of credit behind the tail cache has its next chunk read while it waits.
    @Test func aConsumerWaitingForCreditReadsAhead() async throws {
        let configuration = BrokerConfiguration(
            tailCacheMessages: 10, readBatchMessages: 100, readerQueues: 1, tickIntervalMilliseconds: nil)
        let fixture = try BrokerFixture(configuration: configuration)
        try fixture.broker.createTopic("events")
        try await fixture.publish("events", count: 1_000, batch: 100)
        let (_, sink) = try fixture.subscribe(SubscriptionRequest(filter: "events", start: .earliest, maxInFlight: 150))
        await sink.wait(forCount: 150)
        // The pump that delivered runs on the only reader queue: once this returns, it has stopped.
        fixture.broker.readerQueues[0].sync {}
        let topic = try #require(fixture.broker.registry.withLockedValue { $0.topics["events"] })
        #expect(sink.snapshot.deliveries.count == 150)
        #expect(topic.readCache.chunkToReadAhead(topic, from: 150) == nil, "chunks 100 and 200 are cached")
        #expect(topic.readCache.chunkToReadAhead(topic, from: 250) == 300)
    }

    @Test func offTheCacheEveryReadIsFresh() async throws {
        let topic = try await topic(messages: 300, configuration: BrokerConfiguration(readBatchMessages: 256, readCacheBytes: 0))
        let first = try topic.readCache.read(topic, from: 0, maxMessages: 10, maxBytes: 1 << 20)
        let second = try topic.readCache.read(topic, from: 0, maxMessages: 10, maxBytes: 1 << 20)
        #expect(first.map(\.offset) == Array(0..<10) && second.map(\.offset) == Array(0..<10))
        #expect(!zip(first, second).contains { $0 === $1 })
    }

    /// Through the broker: subscribers catching up past the tail cache still get every message once, in order.
    @Test(arguments: [BrokerFixture.StoreKind.memory, .disk])
    func subscribersCatchingUpGetEveryMessageOnce(store: BrokerFixture.StoreKind) async throws {
        let configuration = BrokerConfiguration(tailCacheMessages: 10, readBatchMessages: 256, tickIntervalMilliseconds: nil)
        let fixture = try BrokerFixture(configuration: configuration, store: store)
        try fixture.broker.createTopic("events")
        try await fixture.publish("events", count: 1_500, batch: 500)
        let request = SubscriptionRequest(filter: "events", start: .earliest, maxInFlight: 10_000)
        let sinks = try (0..<3).map { _ in try fixture.subscribe(request).1 }
        try await fixture.publish("events", count: 1_500, batch: 500, from: 1_500)
        for sink in sinks { await sink.wait(forCount: 3_000) }
        for sink in sinks { #expect(sink.snapshot.deliveries.map(\.offset) == Array(0..<3_000)) }
    }
}
