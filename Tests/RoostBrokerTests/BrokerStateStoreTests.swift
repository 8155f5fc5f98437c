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
        #expect(try AtomicFile.read(fixture.directory.appending("state/consumers/bad.json.corrupt")) == Array("{ not json".utf8))
    }

    @Test func aTruncatedConsumerFileIsSetAsideAndTheConsumerStartsOver() async throws {
        let fixture = try BrokerFixture(store: .disk)
        try await fixture.publish("t", count: 5)
        let request = SubscriptionRequest(filter: "t", consumer: "cut", start: .earliest, ackPolicy: .explicit)
        let (subscription, sink) = try fixture.subscribe(request, mode: .ack)
        await sink.wait(forCount: 5)
        subscription.close()
        _ = try fixture.subscribe(SubscriptionRequest(filter: "t", consumer: "whole", start: .earliest))
        await fixture.broker.flushConsumerState()
        let path = fixture.directory.appending("state/consumers/cut.json")
        let bytes = try #require(try AtomicFile.read(path))
        #expect(bytes.count > 10)
        try AtomicFile.write(Array(bytes.prefix(bytes.count / 2)), to: path)
        try await fixture.restart()
        #expect(fixture.broker.listConsumers().map(\.name) == ["whole"])
        #expect(try AtomicFile.read(path) == nil)
        #expect(try AtomicFile.read(path + ".corrupt") == Array(bytes.prefix(bytes.count / 2)))
        // The name is free again: subscribing recreates it from its requested start.
        let (again, replay) = try fixture.subscribe(request, mode: .ack)
        await replay.wait(forCount: 5)
        #expect(replay.snapshot.offsets("t") == Array(0..<5))
        again.close()
    }

    @Test(arguments: ["{ not json", "", "[1,2,3]"])
    func aDamagedTopicsFileDoesNotStopTheBroker(content: String) async throws {
        let fixture = try BrokerFixture(store: .disk)
        try fixture.broker.createTopic("made")
        try await fixture.publish("auto", count: 3)
        let path = fixture.directory.appending("state/topics.json")
        #expect(try AtomicFile.read(path) != nil)
        try AtomicFile.write(Array(content.utf8), to: path)
        try await fixture.restart()
        // The topics come back from their log directories, with their messages.
        #expect(fixture.broker.listTopics().map(\.name).sorted() == ["auto", "made"])
        #expect(try fixture.broker.describeTopic("auto").endOffset == 3)
        #expect(try AtomicFile.read(path + ".corrupt") == Array(content.utf8))
        // And the broker writes a readable file again at its next topic change.
        try fixture.broker.createTopic("later")
        try await fixture.restart()
        #expect(fixture.broker.listTopics().map(\.name).sorted() == ["auto", "later", "made"])
        #expect(try AtomicFile.read(path).map { String(decoding: $0, as: UTF8.self).contains("later") } == true)
    }

    @Test func persistedRangesRoundTrip() {
        let offsets: Set<Int64> = [3, 4, 5, 9, 11, 12]
        let ranges = PersistedConsumer.ranges(offsets)
        #expect(ranges == [[3, 5], [9, 9], [11, 12]])
        #expect(PersistedConsumer.offsets(ranges) == offsets)
        #expect(PersistedConsumer.offsets([[5, 1], [1], [0, 0]]) == [0], "malformed ranges are ignored")
    }
}
