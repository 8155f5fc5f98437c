import NIOCore
import RoostProtocol
import Testing

@Suite("Malformed JSON frames give the right error code, field and request id")
struct MalformedJSONTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var code: ErrorCode
        var field: String?
        var id: String?
        var testDescription: String { text }
    }

    static let cases: [Case] = [
        // Syntax.
        Case(text: "", code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"t","data":"abc""#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"t","data":"ab"#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"t","data":1}x"#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"t","data":1}{}"#, code: .invalidJSON),
        Case(text: #"[{"op":"publish"}]"#, code: .invalidJSON),
        Case(text: #""publish""#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"t","data":01}"#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"t","data":{"a":1,}}"#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"t\x","data":1}"#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"\u12G4","data":1}"#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"\ud800","data":1}"#, code: .invalidJSON),
        Case(text: #"{"op":"publish","topic":"\udc00\ud800","data":1}"#, code: .invalidJSON),
        Case(text: "{\"op\":\"publish\",\"topic\":\"a\u{1}b\",\"data\":1}", code: .invalidJSON),
        Case(text: "{\"op\":\"publish\",\"topic\":\"t\",\"data\":" + String(repeating: "[", count: 70)
            + String(repeating: "]", count: 70) + "}", code: .invalidJSON),
        // Vocabulary.
        Case(text: #"{"topic":"t","data":1}"#, code: .missingField, field: "op"),
        Case(text: #"{"op":7}"#, code: .invalidField, field: "op"),
        Case(text: #"{"op":"explode","id":5}"#, code: .unknownOp, field: "op", id: "5"),
        Case(text: #"{"op":"ok","id":"x"}"#, code: .unknownOp, field: "op", id: #""x""#),
        // Missing fields.
        Case(text: #"{"op":"publish","id":1,"data":1}"#, code: .missingField, field: "topic", id: "1"),
        Case(text: #"{"op":"publish","id":1,"topic":"t"}"#, code: .missingField, field: "data", id: "1"),
        Case(text: #"{"op":"publish_batch","id":2,"topic":"t"}"#, code: .missingField, field: "messages", id: "2"),
        Case(text: #"{"op":"publish_batch","topic":"t","messages":[{"key":"k"}]}"#, code: .missingField, field: "messages[0].data"),
        Case(text: #"{"op":"subscribe","topic":"t"}"#, code: .missingField, field: "id"),
        Case(text: #"{"op":"subscribe","id":"s"}"#, code: .missingField, field: "topic", id: #""s""#),
        Case(text: #"{"op":"ack","sub":"s1"}"#, code: .missingField, field: "offset"),
        Case(text: #"{"op":"ack","offset":1}"#, code: .missingField, field: "sub"),
        Case(text: #"{"op":"nack","sub":"s1"}"#, code: .missingField, field: "offset"),
        Case(text: #"{"op":"credit","sub":"s1"}"#, code: .missingField, field: "n"),
        Case(text: #"{"op":"auth","id":1}"#, code: .missingField, field: "token", id: "1"),
        Case(text: #"{"op":"unsubscribe","id":3}"#, code: .missingField, field: "sub", id: "3"),
        // Wrong types and bad values.
        Case(text: #"{"op":"publish","id":true,"topic":"t","data":1}"#, code: .invalidField, field: "id"),
        Case(text: #"{"op":"publish","id":[1],"topic":"t","data":1}"#, code: .invalidField, field: "id"),
        Case(text: #"{"op":"publish","id":1,"topic":5,"data":1}"#, code: .invalidField, field: "topic", id: "1"),
        Case(text: #"{"op":"publish","topic":"t","key":1,"data":1}"#, code: .invalidField, field: "key"),
        Case(text: #"{"op":"publish","topic":"t","key":"a","key_b64":"YQ==","data":1}"#, code: .invalidField, field: "key"),
        Case(text: #"{"op":"publish","topic":"t","headers":{"a":1},"data":1}"#, code: .invalidField, field: "headers"),
        Case(text: #"{"op":"publish","topic":"t","headers":["a"],"data":1}"#, code: .invalidField, field: "headers"),
        Case(text: #"{"op":"publish","topic":"t","dedup_id":7,"data":1}"#, code: .invalidField, field: "dedup_id"),
        Case(text: #"{"op":"publish","topic":"t","data":1,"data_b64":"AA=="}"#, code: .invalidField, field: "data"),
        Case(text: #"{"op":"publish","topic":"t","data_b64":"A"}"#, code: .invalidField, field: "data_b64"),
        Case(text: #"{"op":"publish","topic":"t","data_b64":"AA*="}"#, code: .invalidField, field: "data_b64"),
        Case(text: #"{"op":"publish","topic":"t","data_b64":12}"#, code: .invalidField, field: "data_b64"),
        Case(text: #"{"op":"publish_batch","topic":"t","messages":[]}"#, code: .invalidField, field: "messages"),
        Case(text: #"{"op":"publish_batch","topic":"t","messages":{}}"#, code: .invalidField, field: "messages"),
        Case(text: #"{"op":"publish_batch","topic":"t","messages":[1]}"#, code: .invalidField, field: "messages[0]"),
        Case(text: #"{"op":"publish_batch","topic":"t","messages":[{"data":1},{"data_b64":"!"}]}"#, code: .invalidField,
             field: "messages[1].data_b64"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","from":"yesterday"}"#, code: .invalidField, field: "from", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","from":{"offset":-1}}"#, code: .invalidField, field: "from.offset", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","from":{}}"#, code: .invalidField, field: "from", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","from":3}"#, code: .invalidField, field: "from", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","ack":"sometimes"}"#, code: .invalidField, field: "ack", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","max_inflight":-1}"#, code: .invalidField, field: "max_inflight", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","max_inflight":4294967296}"#, code: .invalidField,
             field: "max_inflight", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","batch":1.5}"#, code: .invalidField, field: "batch", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","ack_wait_ms":1e3}"#, code: .invalidField, field: "ack_wait_ms", id: "1"),
        Case(text: #"{"op":"subscribe","id":1,"topic":"t","max_deliveries":"5"}"#, code: .invalidField, field: "max_deliveries", id: "1"),
        Case(text: #"{"op":"ack","sub":"s1","offset":9223372036854775808}"#, code: .invalidField, field: "offset"),
        Case(text: #"{"op":"ack","sub":"s1","offset":1,"cumulative":"yes"}"#, code: .invalidField, field: "cumulative"),
        Case(text: #"{"op":"nack","sub":"s1","offset":1,"delay_ms":-5}"#, code: .invalidField, field: "delay_ms"),
        Case(text: #"{"op":"credit","sub":"s1","n":99999999999}"#, code: .invalidField, field: "n"),
    ]

    @Test(arguments: cases)
    func rejected(_ testCase: Case) {
        do {
            let frame = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: testCase.text))
            Issue.record("decoded \(frame)")
        } catch {
            #expect(error.code == testCase.code, "\(error)")
            #expect(error.field == testCase.field, "\(error)")
            #expect(error.requestID?.jsonToken == testCase.id, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func errorFrameEchoesTheRequestID() throws {
        let text = #"{"op":"publish","id":"req-9","data":1}"#
        let error = try #require(throws: ProtocolError.self) { try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: text)) }
        var out = ByteBuffer()
        JSONFrameCodec().encode(.error(ErrorFrame(error)), into: &out)
        #expect(out.text == #"{"op":"error","id":"req-9","code":"missing_field","message":"missing field 'topic'"}"#)
    }

    @Test func syntaxErrorsSayWhere() throws {
        let error = try #require(throws: ProtocolError.self) {
            try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: #"{"op":"publish",}"#))
        }
        #expect(error.message == "invalid JSON: unexpected '}' at byte 16")
    }

    @Test func depthLimitIsConfigurable() throws {
        let frame = ByteBuffer(string: #"{"op":"publish","topic":"t","data":[[[[1]]]]}"#)
        #expect(throws: ProtocolError.self) { try JSONFrameCodec(maxDepth: 4).decodeClientFrame(frame) }
        _ = try JSONFrameCodec(maxDepth: 5).decodeClientFrame(frame)
    }
}
