import Dispatch
import Glibc
import NIOConcurrencyHelpers
import NIOCore
import RoostStorage
import RoostTesting
import Testing

@testable import RoostBroker

@Suite(.timeLimit(.minutes(1))) struct ReadChunkCacheTests {
    /// `count` messages of `size`-byte payloads, all in one block whose records are slices of one buffer (as a
    /// log read makes them).
    private func chunk(_ count: Int, size: Int = 100, from offset: Int64 = 0, topic: String = "t") -> [Message] {
        let buffer = ByteBuffer(repeating: 0x61, count: count * size)
        let records = (0..<count).map { index in
            StoredRecord(offset: offset + Int64(index), timestamp: 0,
                         value: buffer.getSlice(at: index * size, length: size) ?? ByteBuffer())
        }
        return MessageBlock.messages(topic: topic, records: records)
    }

    private func key(_ topic: Int, _ base: Int64) -> ReadChunkCache.Key { ReadChunkCache.Key(topic: topic, base: base) }

    /// A block is charged its read buffer once (not once per record slice), its per-message cost and room for
    /// its encodings; the payload bytes alone would undercount it.
    @Test func aChunkIsChargedWhatItKeepsAlive() {
        let messages = chunk(100, size: 100)
        let bytes = ReadChunkCache.cost(of: messages)
        let storage = messages[0].record.value.storageCapacity
        #expect(storage >= 10_000)
        #expect(bytes == storage + 100 * MessageBlock.perMessageOverhead + 100 * (100 * 4 / 3 + 64))
        #expect(ReadChunkCache.cost(of: Array(messages[10..<20])) == bytes, "a slice keeps the whole block alive")
        #expect(ReadChunkCache.cost(of: messages + chunk(100, size: 100)) == 2 * bytes)
    }

    /// One budget for every topic: a busy topic's chunks push out an idle topic's least recently used ones, and
    /// the cache never holds more than its budget.
    @Test func oneBudgetAcrossTopicsEvictsTheLeastRecentlyUsed() throws {
        let chunkBytes = ReadChunkCache.cost(of: chunk(100))
        let cache = ReadChunkCache(budgetBytes: 3 * chunkBytes, idleMilliseconds: 10_000, clock: ManualClock())
        let idle = try cache.load(key(1, 0)) { chunk(100, topic: "idle") }
        for base in stride(from: Int64(0), to: 1_000, by: 100) {
            _ = try cache.load(key(2, base)) { chunk(100, from: base, topic: "busy") }
            #expect(cache.usage.bytes <= cache.budgetBytes)
        }
        #expect(cache.usage == .init(chunks: 3, bytes: 3 * chunkBytes))
        #expect(cache.cached(key(1, 0)) == nil, "the idle topic's chunk went first")
        #expect(cache.cached(key(2, 900))?.first?.offset == 900)
        #expect(cache.cached(key(2, 600)) == nil)
        var reads = 0
        let again = try cache.load(key(1, 0)) { reads += 1; return chunk(100, topic: "idle") }
        #expect(reads == 1 && again[0] !== idle[0])
    }

    /// A chunk larger than the whole budget is handed out but not kept; a budget of 0 caches nothing.
    @Test func whatDoesNotFitIsNotKept() throws {
        let cache = ReadChunkCache(budgetBytes: ReadChunkCache.cost(of: chunk(10)), idleMilliseconds: 10_000, clock: ManualClock())
        #expect(try cache.load(key(1, 0)) { chunk(1_000) }.count == 1_000)
        #expect(cache.usage == .init(chunks: 0, bytes: 0))
        let off = ReadChunkCache(budgetBytes: 0, idleMilliseconds: 10_000, clock: ManualClock())
        _ = try off.load(key(1, 0)) { chunk(10) }
        #expect(off.usage.chunks == 0 && !off.contains(key(1, 0)))
    }

    /// Chunks unused for the idle time are dropped at a tick; a chunk read since stays.
    @Test func idleChunksAreDroppedAtTheTick() throws {
        let clock = ManualClock()
        let cache = ReadChunkCache(budgetBytes: 1 << 30, idleMilliseconds: 10_000, clock: clock)
        _ = try cache.load(key(1, 0)) { chunk(10) }
        _ = try cache.load(key(1, 10)) { chunk(10, from: 10) }
        clock.advance(by: 6_000)
        #expect(cache.cached(key(1, 10)) != nil)
        clock.advance(by: 5_000)
        cache.expireIdle(now: clock.nowMilliseconds())
        #expect(cache.usage.chunks == 1)
        #expect(cache.cached(key(1, 0)) == nil && cache.cached(key(1, 10)) != nil)
        clock.advance(by: 10_000)
        cache.expireIdle(now: clock.nowMilliseconds())
        #expect(cache.usage == .init(chunks: 0, bytes: 0))
    }

    /// Callers wanting a chunk that is being read wait for that read instead of reading their own copy, so they
    /// all share one block (and its encodings).
    @Test func concurrentMissesReadTheChunkOnce() throws {
        let cache = ReadChunkCache(budgetBytes: 1 << 30, idleMilliseconds: 10_000, clock: ManualClock())
        let reads = NIOLockedValueBox(0)
        let release = ConditionLock(value: false)
        let started = ConditionLock(value: false)
        let results = NIOLockedValueBox<[[Message]]>([])
        let group = DispatchGroup()
        // A serial queue each, so a thread each (the global queues allow only as many busy threads as cores): the
        // loader and the waiters block.
        let queues = (0..<4).map { DispatchQueue(label: "read-chunk-cache-test-\($0)") }
        queues[0].async(group: group) {
            let messages = try? cache.load(key(1, 0)) {
                reads.withLockedValue { $0 += 1 }
                started.lock(); started.unlock(withValue: true)
                release.lock(whenValue: true); release.unlock()
                return chunk(10)
            }
            results.withLockedValue { $0.append(messages ?? []) }
        }
        started.lock(whenValue: true); started.unlock()
        #expect(cache.contains(key(1, 0)), "a chunk being read counts as there for read-ahead")
        for queue in queues.dropFirst() {
            queue.async(group: group) {
                let messages = try? cache.load(key(1, 0)) { reads.withLockedValue { $0 += 1 }; return chunk(10) }
                results.withLockedValue { $0.append(messages ?? []) }
            }
        }
        // The waiters announce themselves under the cache's lock before they block; no sleep needed.
        while cache.waiters(for: key(1, 0)) < 3 { sched_yield() }
        release.lock(); release.unlock(withValue: true)
        group.wait()
        let all = results.withLockedValue { $0 }
        #expect(all.count == 4 && all.allSatisfy { $0.count == 10 && $0[0] === all[0][0] })
        #expect(reads.withLockedValue { $0 } == 1)
    }

    /// A failed read is not cached and does not strand the callers waiting for it.
    @Test func aFailedReadIsNotCached() throws {
        struct Failure: Error {}
        let cache = ReadChunkCache(budgetBytes: 1 << 30, idleMilliseconds: 10_000, clock: ManualClock())
        #expect(throws: Failure.self) { try cache.load(key(1, 0)) { throw Failure() } }
        #expect(!cache.contains(key(1, 0)))
        #expect(try cache.load(key(1, 0)) { chunk(5) }.count == 5)
    }

    /// Through the broker: subscribers catching up past the tail cache share one read of each chunk.
    @Test func subscribersBehindTheTailShareReadsWithinTheBudget() async throws {
        let configuration = BrokerConfiguration(
            tailCacheMessages: 10, readBatchMessages: 100, readCacheBytes: 64 << 20, tickIntervalMilliseconds: nil)
        let fixture = try BrokerFixture(configuration: configuration, store: .disk)
        try fixture.broker.createTopic("events")
        // All five follow the topic before the publisher outruns the tail cache: chunks are cached for topics with
        // more than one consumer (a lone reader's are dropped as it finishes them, see the next test).
        let request = SubscriptionRequest(filter: "events", start: .earliest, maxInFlight: 10_000)
        let sinks = try (0..<5).map { _ in try fixture.subscribe(request).1 }
        try await fixture.publish("events", count: 2_000, batch: 200)
        for sink in sinks { await sink.wait(forCount: 2_000) }
        let deliveries = sinks.map { $0.snapshot.deliveries }
        for batch in deliveries { #expect(batch.map(\.offset) == Array(0..<2_000)) }
        // Every subscriber got the same instance of each message: one read per chunk for all five (single flight:
        // subscribers on other reader queues that miss the same chunk at the same time wait for the one read).
        let shared = (0..<2_000).filter { index in deliveries.dropFirst().allSatisfy { $0[index].message === deliveries[0][index].message } }
        #expect(shared.count == 2_000)
        #expect(fixture.broker.readCache.usage.chunks == 20)
        #expect(fixture.broker.readCache.usage.bytes <= 64 << 20)
    }
}

extension ReadChunkCacheTests {
    /// A chunk read from a disk log is charged about what it holds: its read buffers (at most two of
    /// `readBatchBytes` here), its messages, and one encoding; not a multiple of that.
    @Test func aDiskChunkCostsAboutItsReadBuffers() async throws {
        let configuration = BrokerConfiguration(tailCacheMessages: 10, tickIntervalMilliseconds: nil)
        let fixture = try BrokerFixture(configuration: configuration, store: .disk)
        try fixture.broker.createTopic("events")
        let payload128 = ByteBuffer(repeating: 0x61, count: 128)
        for _ in 0..<8 {
            _ = try await fixture.broker.publish(topic: "events", messages: (0..<1_024).map { _ in PublishMessage(payload: payload128) })
        }
        let topic = try #require(fixture.broker.registry.withLockedValue { $0.topics["events"] })
        let messages = try topic.readCache.read(topic, from: 4_096, maxMessages: 4_096, maxBytes: configuration.readBatchBytes)
        #expect(messages.count == 4_096)
        let cost = ReadChunkCache.cost(of: messages)
        let payload = messages.reduce(0) { $0 + $1.sizeInBytes }
        #expect(cost <= 2 * configuration.readBatchBytes + 4_096 * (MessageBlock.perMessageOverhead + payload / 4_096 * 2 + 64))
        #expect(fixture.broker.readCache.usage.bytes == cost)
    }

    /// A topic's only consumer replaying it has no one to share chunks with: each chunk it reads to its end leaves the
    /// cache, so a lone replay of 20 chunks keeps at most the one it is in and the one read ahead, not the whole
    /// budget. It still gets everything, in order.
    @Test func aLoneReplayDoesNotFillTheCache() async throws {
        let configuration = BrokerConfiguration(
            tailCacheMessages: 10, readBatchMessages: 100, readCacheBytes: 64 << 20, tickIntervalMilliseconds: nil)
        let fixture = try BrokerFixture(configuration: configuration, store: .disk)
        try fixture.broker.createTopic("events")
        try await fixture.publish("events", count: 2_000, batch: 200)
        let (_, sink) = try fixture.subscribe(SubscriptionRequest(filter: "events", start: .earliest, maxInFlight: 250), mode: .credit)
        await sink.wait(forCount: 2_000)
        #expect(sink.snapshot.deliveries.map(\.offset) == Array(0..<2_000))
        #expect(fixture.broker.readCache.usage.chunks <= 2)
    }
}
