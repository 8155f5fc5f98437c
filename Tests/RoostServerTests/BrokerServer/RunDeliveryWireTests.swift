import Foundation
import NIOCore
import RoostBroker
import RoostServer
import RoostStorage
import Testing

/// The broker hands a subscription runs of messages (slices of one read or of the tail cache, see `DeliveryBatch`),
/// and the session writes them as stretches of shared block-segment encodings. Over the wire that must be exactly
/// per-message delivery: every offset once, in order, with its own payload, across block and segment boundaries,
/// whether the messages come from the tail cache or from log reads; and a message nacked inside a run comes back
/// alone, as a redelivery.
@Suite struct RunDeliveryWireTests {
    /// Three appends of 300 messages (three blocks, each with a partial segment at its end), delivered 64 per frame.
    static let blocks = 3
    static let perBlock = 300

    @Test("runs delivered over the wire equal per-message delivery; a nack inside a run is redelivered alone",
          arguments: [false, true])
    func runsEqualPerMessageDelivery(fromLog: Bool) async throws {
        let harness = try await BrokerServerHarness.start { configuration in
            if fromLog {
                // Nothing in the tail cache, chunks of 100 messages: every delivery comes from a log read.
                configuration.broker.tailCacheMessages = 1
                configuration.broker.readBatchMessages = 100
            }
        }
        for block in 0..<Self.blocks {
            let messages = (0..<Self.perBlock).map { index in
                PublishMessage(payload: ByteBuffer(string: "{\"n\":\(block * Self.perBlock + index)}"))
            }
            _ = try await harness.server.broker.publish(topic: "runs", messages: messages)
        }
        let total = Self.blocks * Self.perBlock
        let client = try await JSONSession.connect(harness.port, token: nil)
        let reply = try await JSONSession.request(
            client,
            #"{"op":"subscribe","id":1,"topic":"runs","from":"earliest","ack":"explicit","max_inflight":2000,"batch":64}"#)
        #expect(JSONSession.code(reply) == "ok")

        var offsets: [Int] = []
        while offsets.count < total {
            for message in try await Self.nextMessages(client) {
                #expect(message.deliveries == 1)
                #expect(message.payload == message.offset, "offset \(message.offset) carries its own payload")
                offsets.append(message.offset)
            }
        }
        #expect(offsets == Array(0..<total))

        // A nack in the middle of the first block's run and one on a segment boundary of the second.
        for offset in [10, Self.perBlock + 256] {
            try await client.send(TestFrames.text(#"{"op":"nack","sub":"s1","topic":"runs","offset":\#(offset)}"#))
        }
        var redelivered: [Int] = []
        while redelivered.count < 2 {
            for message in try await Self.nextMessages(client) {
                #expect(message.deliveries == 2)
                #expect(message.payload == message.offset)
                redelivered.append(message.offset)
            }
        }
        #expect(redelivered == [10, Self.perBlock + 256])
        await client.close()
        try await harness.finish()
    }

    /// One delivered message as the test checks it: offset, the `n` of its payload, its delivery count.
    struct Received {
        let offset: Int
        let payload: Int
        let deliveries: Int
    }

    /// The messages of the next `messages` (or `message`) frame.
    static func nextMessages(_ client: RawClient) async throws -> [Received] {
        while let frame = await client.readFrame() {
            guard frame.opcode == 0x1,
                let object = try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any]
            else { continue }
            let elements: [[String: Any]]
            switch object["op"] as? String {
            case "messages": elements = object["messages"] as? [[String: Any]] ?? []
            case "message": elements = [object]
            default: continue
            }
            return try elements.map { element in
                Received(
                    offset: try #require(element["offset"] as? Int),
                    payload: try #require((element["data"] as? [String: Any])?["n"] as? Int),
                    deliveries: element["deliveries"] as? Int ?? 1)
            }
        }
        Issue.record("connection closed while waiting for deliveries")
        return []
    }
}
