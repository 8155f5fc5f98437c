import NIOCore
@testable import RoostBroker
import RoostStorage
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(1))) struct BrokerStateStoreTests {
    @Test func atomicWritesReplaceWholeFilesAndLeaveNoTemporary() throws {
        let directory = try TemporaryDirectory(prefix: "roost-state")
        defer { directory.remove() }
        let path = directory.appending("file.json")
        try AtomicFile.write(Array("first".utf8), to: path)
        try AtomicFile.write(Array("second, longer".utf8), to: path)
        #expect(try AtomicFile.read(path) == Array("second, longer".utf8))
        #expect(try AtomicFile.list(directory.path) == ["file.json"])
        try AtomicFile.remove(path)
        #expect(try AtomicFile.read(path) == nil)
    }

    @Test func aDamagedConsumerFileIsSkippedNotFatal() async throws {
        let fixture = try BrokerFixture(store: .disk)
        try await fixture.publish("t", count: 3)
        _ = try fixture.subscribe(SubscriptionRequest(filter: "t", consumer: "good", start: .earliest))
        await fixture.broker.flushConsumerState()
        try AtomicFile.write(Array("{ not json".utf8), to: fixture.directory.appending("state/consumers/bad.json"))
        try await fixture.restart()
        #expect(fixture.broker.listConsumers().map(\.name) == ["good"])
    }

    @Test func persistedRangesRoundTrip() {
        let offsets: Set<Int64> = [3, 4, 5, 9, 11, 12]
        let ranges = PersistedConsumer.ranges(offsets)
        #expect(ranges == [[3, 5], [9, 9], [11, 12]])
        #expect(PersistedConsumer.offsets(ranges) == offsets)
        #expect(PersistedConsumer.offsets([[5, 1], [1], [0, 0]]) == [0], "malformed ranges are ignored")
    }
}
