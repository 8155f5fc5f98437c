import Foundation
import NIOCore
import RoostBroker
import RoostServer
import RoostTesting
import Testing

/// A subscribe from a time finds its start off the event loop; the frames sent right behind it (in the same socket
/// write) wait for it, so they find the subscription open and their answers keep the request order.
@Suite struct SubscribeFromTimeWireTests {
    @Test func framesBehindASubscribeFromATimeKeepTheirOrder() async throws {
        let harness = try await BrokerServerHarness.start()
        let broker = harness.server.broker
        let start = harness.clock.nowMilliseconds()
        for i in 0..<6 {
            _ = try await broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: "\(i)"))])
            harness.clock.advance(by: 1_000)
        }
        let client = try await JSONSession.connect(harness.port, token: nil)
        let frames = [
            #"{"op":"subscribe","id":1,"topic":"t","from":{"time":\#(start + 4_000)},"ack":"explicit","batch":1}"#,
            #"{"op":"ack","id":2,"sub":"s1","offset":4}"#,
            #"{"op":"subscribe","id":3,"topic":"t","from":{"time":\#(start + 2_000)}}"#,
            #"{"op":"unsubscribe","id":4,"sub":"s1"}"#,
            #"{"op":"publish","id":5,"topic":"t","data":6}"#,
            #"{"op":"unsubscribe","id":6,"sub":"s2"}"#,
        ]
        try await client.send(frames.flatMap { TestFrames.text($0) })
        var replies: [[String: Any]] = []
        var delivered: [Int] = []
        while replies.count < frames.count, let frame = await client.readFrame() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any])
            if object["op"] as? String == "message", object["sub"] as? String == "s1" {
                delivered.append(try #require(object["offset"] as? Int))
            } else if object["id"] != nil {
                replies.append(object)
            }
        }
        #expect(replies.map { $0["id"] as? Int } == [1, 2, 3, 4, 5, 6], "answers in request order")
        // The ack finds s1 (its offset may not be delivered yet: then it is out of range, never an unknown sub).
        let codes = replies.map(JSONSession.code)
        #expect(codes[1] != "unknown_subscription", "\(replies)")
        #expect([codes[0]] + codes[2...] == ["ok", "ok", "ok", "ok", "ok"], "\(replies)")
        #expect(replies[0]["sub"] as? String == "s1" && replies[2]["sub"] as? String == "s2")
        #expect(replies[4]["offset"] as? Int == 6)
        #expect(delivered.first.map { $0 >= 4 } ?? true, "s1 starts at the time's offset: \(delivered)")
        await client.close()
        try await harness.finish()
    }
}
