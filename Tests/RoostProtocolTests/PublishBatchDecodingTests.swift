import NIOCore
import RoostProtocol
import Testing

/// `publish_batch` elements are walked once for their members (`JSONScanner.objectElements`): whitespace,
/// nested payloads, escapes and odd elements must come out exactly as a member-by-member walk gives them.
@Suite struct PublishBatchDecodingTests {
    @Test func elementsKeepTheirFieldsAndPayloadBytes() throws {
        let text = #"{"op":"publish_batch","id":7,"topic":"t","messages":[ {"key":"k","data":{"a":[1,{"b":"}]"}]}} ,"#
            + #"{ "data" : "x\"y" , "headers":{"h":"v"}, "dedup_id":"d-1" },{"data_b64":"AAE="},{"data":null}]}"#
        guard case .publishBatch(let frame) = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: text)) else {
            Issue.record("not a publish_batch")
            return
        }
        #expect(frame.id?.jsonToken == "7")
        #expect(frame.topic == "t")
        #expect(frame.messages.count == 4)
        #expect(frame.messages[0].key == ByteBuffer(string: "k"))
        #expect(frame.messages[0].payload == ByteBuffer(string: #"{"a":[1,{"b":"}]"}]}"#))
        #expect(frame.messages[1].payload == ByteBuffer(string: #""x\"y""#))
        #expect(frame.messages[1].headers == [Header(name: "h", value: "v")])
        #expect(frame.messages[1].dedupID == "d-1")
        #expect(frame.messages[2].payload == ByteBuffer(bytes: [0, 1]))
        #expect(frame.messages[3].payload == ByteBuffer(string: "null"))
    }

    @Test func anEmptyElementNamesItsMissingField() throws {
        let text = #"{"op":"publish_batch","topic":"t","messages":[{"data":1}, { } ]}"#
        let error = try #require(throws: ProtocolError.self) { try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: text)) }
        #expect(error.code == .missingField)
        #expect(error.field == "messages[1].data")
    }

    @Test func aNonObjectElementAfterObjectsIsNamed() throws {
        let text = #"{"op":"publish_batch","topic":"t","messages":[{"data":1},{"data":2},"x"]}"#
        let error = try #require(throws: ProtocolError.self) { try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: text)) }
        #expect(error.code == .invalidField)
        #expect(error.field == "messages[2]")
    }
}
