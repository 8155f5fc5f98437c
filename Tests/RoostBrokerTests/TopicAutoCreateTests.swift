import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

/// Auto-creating a topic on its first publishes, racing: the log is created outside the registry lock and
/// installed under it; every racer gets the one topic, and the saved metadata ends up current.
@Suite(.timeLimit(.minutes(1))) struct TopicAutoCreateTests {
    private func publish(_ broker: Broker, _ topic: String, _ value: String) async -> Result<Int64, BrokerError> {
        do {
            let confirm = try await broker.publish(topic: topic, messages: [PublishMessage(payload: ByteBuffer(string: value))])
            return .success(confirm.messages.first?.offset ?? -1)
        } catch {
            return .failure(error)
        }
    }

    @Test func concurrentFirstPublishesToOneTopicAllLandInOneLog() async throws {
        let fixture = try BrokerFixture(store: .disk)
        let broker = fixture.broker
        let results = await withTaskGroup(of: Result<Int64, BrokerError>.self) { group in
            for i in 0..<16 { group.addTask { await publish(broker, "race", "m\(i)") } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let offsets = results.compactMap { try? $0.get() }
        #expect(offsets.count == 16, "every racer is confirmed: \(results)")
        #expect(offsets.sorted() == Array(0..<16))
        #expect(broker.listTopics().filter { $0.name == "race" }.count == 1)
        #expect(try broker.describeTopic("race").autoCreated)
        #expect(fixture.store.logNames().filter { $0 == "race" }.count == 1)
        try await fixture.restart(clean: true)
        let reopened = try fixture.broker.describeTopic("race")
        #expect(reopened.endOffset == 16 && reopened.autoCreated)
    }

    @Test func concurrentFirstPublishesToManyTopicsSaveEveryTopicsMetadata() async throws {
        let fixture = try BrokerFixture(store: .disk)
        let broker = fixture.broker
        let names = (0..<12).map { "auto\($0)" }
        let results = await withTaskGroup(of: Result<Int64, BrokerError>.self) { group in
            for name in names { group.addTask { await publish(broker, name, "first") } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { (try? $0.get()) == 0 })
        try await fixture.restart(clean: true)
        for name in names {
            let topic = try fixture.broker.describeTopic(name)
            #expect(topic.autoCreated, "metadata of \(name) was saved")
            #expect(topic.endOffset == 1)
        }
    }

    @Test func explicitCreateOfAnExistingTopicStillFails() async throws {
        let fixture = try BrokerFixture(store: .disk)
        _ = await publish(fixture.broker, "t", "a")
        #expect(throws: BrokerError.self) { try fixture.broker.createTopic("t") }
        #expect(try fixture.broker.describeTopic("t").autoCreated)
    }
}
