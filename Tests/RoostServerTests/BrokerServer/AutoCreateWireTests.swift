import Foundation
import RoostBroker
import RoostServer
import RoostTesting
import Testing

/// First publishes to a topic that does not exist, from several connections at once: the topic is created off the
/// event loops, every publish is confirmed, and each connection's confirms come in its request order with rising
/// offsets (none of its later publishes overtook an earlier one that waited for the create).
@Suite struct AutoCreateWireTests {
    @Test func concurrentFirstPublishesFromSeveralConnectionsKeepEachConnectionsOrder() async throws {
        let harness = try await BrokerServerHarness.start()
        let perConnection = 40
        let clients = try await (0..<3).asyncMap { _ in try await JSONSession.connect(harness.port, token: nil) }
        for (number, client) in clients.enumerated() {
            let frames = (1...perConnection).flatMap { id in
                TestFrames.text(#"{"op":"publish","id":\#(id),"topic":"fresh","data":\#(number * 1_000 + id)}"#)
            }
            try await client.send(frames)
        }
        var all: [Int] = []
        for client in clients {
            var offsets: [Int] = []
            for id in 1...perConnection {
                let reply = try await JSONSession.reply(client, id: id)
                #expect(JSONSession.code(reply) == "ok", "\(reply)")
                offsets.append(reply["offset"] as? Int ?? -1)
            }
            #expect(offsets == offsets.sorted(), "one connection's publishes keep their order: \(offsets)")
            all += offsets
            await client.close()
        }
        #expect(all.sorted() == Array(0..<(3 * perConnection)))
        #expect(try harness.server.broker.describeTopic("fresh").autoCreated)
        try await harness.finish()
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
