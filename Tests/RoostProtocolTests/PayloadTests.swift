import NIOCore
import RoostProtocol
import Testing

@Suite("Payloads: JSON data kept byte for byte, other bytes via base64")
struct PayloadTests {
    static let jsonPayloads: [String] = [
        #"{"order":17}"#,
        #"{ "spaced" :  [ 1 , 2 ] ,"n":null }"#,
        "[]", "{}", "[[[[]]]]",
        #""abc""#,
        #""esc \" \\ \/ \b\f\n\r\t \u0041 \u00e9 \ud83d\ude00""#,
        "\"raw unicode é 日本 😀\"",
        "0", "-0", "17", "-3.25e+10", "1E-2", "123456789012345678901234567890",
        "true", "false", "null",
        #"{"nested":{"deep":[{"a":"b"},1.5,"\u0000"]}}"#,
    ]

    @Test(arguments: jsonPayloads)
    func jsonDataRoundTripsByteForByte(_ payload: String) throws {
        let frame = "{\"op\":\"publish\",\"topic\":\"t\",\"data\":\(payload)}"
        guard case .publish(let publish) = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: frame)) else {
            Issue.record("not a publish")
            return
        }
        #expect(publish.entry.payload.text == payload)

        // Delivered over JSON, the same bytes come out as `data`.
        let codec = JSONFrameCodec()
        var out = ByteBuffer()
        codec.encode(.message(MessageFrame(sub: "s1", message: DeliveredMessage(
            topic: "t", offset: 0, timestamp: 0, payload: publish.entry.payload))), into: &out)
        #expect(out.text.hasSuffix(",\"data\":\(payload)}"))
    }

    static let opaquePayloads: [[UInt8]] = [
        [], [0x00], [0xFF, 0xFE], Array("abc".utf8), Array("{\"a\":1".utf8), Array("1 2".utf8), [0xC3, 0x28],
        Array("\"\u{7}\"".utf8), Array(0...255),
    ]

    @Test(arguments: opaquePayloads)
    func nonJSONPayloadsGoAsBase64AndComeBack(_ payload: [UInt8]) throws {
        let codec = JSONFrameCodec()
        let message = DeliveredMessage(topic: "t", offset: 0, timestamp: 0, payload: ByteBuffer(bytes: payload))
        var out = ByteBuffer()
        codec.encode(.message(MessageFrame(sub: "s", message: message)), into: &out)
        #expect(out.text.contains("\"data_b64\":\""))
        guard case .message(let decoded) = try codec.decodeServerFrame(out) else {
            Issue.record("not a message")
            return
        }
        #expect(Array(buffer: decoded.message.payload) == payload)
    }

    @Test func base64MatchesRFC4648Vectors() throws {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors.sorted(by: { $0.key < $1.key }) {
            let frame = "{\"op\":\"publish\",\"topic\":\"t\",\"data_b64\":\"\(encoded)\"}"
            guard case .publish(let p) = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: frame)) else { return }
            #expect(p.entry.payload.text == plain)
            // Unpadded and with an escaped slash are accepted too.
            let unpadded = encoded.filter { $0 != "=" }
            let frame2 = "{\"op\":\"publish\",\"topic\":\"t\",\"data_b64\":\"\(unpadded)\"}"
            guard case .publish(let p2) = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: frame2)) else { return }
            #expect(p2.entry.payload.text == plain)
        }
        let slash = #"{"op":"publish","topic":"t","data_b64":"\/\/8="}"#
        guard case .publish(let p) = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: slash)) else { return }
        #expect(Array(buffer: p.entry.payload) == [0xFF, 0xFF])
    }

    @Test func nonUTF8KeysUseKeyB64() throws {
        var out = ByteBuffer()
        JSONFrameCodec().encode(.message(MessageFrame(sub: "s", message: Fixtures.binaryMessage)), into: &out)
        #expect(out.text.contains(#""key_b64":"ww==""#))
        #expect(out.text.contains(#""deliveries":3"#))
    }

    @Test func validatorAgreesWithRFC8259() {
        let valid = ["1", " [1] ", "\"\"", "{\"a\":[]}", "\t\n\r null"]
        let invalid = ["", " ", "01", "1.", ".5", "+1", "-", "1e", "[1,]", "{\"a\"}", "{a:1}", "'x'", "nul", "[1] [2]",
                       "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\u{1}\"", "[", "{\"a\":1,}",
                       "NaN", "Infinity", "\u{FEFF}1"]
        for text in valid {
            #expect(ByteBuffer(string: text).withUnsafeReadableBytes { JSONValidator.isValid($0) }, "\(text)")
        }
        for text in invalid {
            #expect(!ByteBuffer(string: text).withUnsafeReadableBytes { JSONValidator.isValid($0) }, "\(text)")
        }
        let badUTF8: [[UInt8]] = [
            [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
            [0x22, 0xE2, 0x82, 0x22], [0x22, 0xFF, 0x22], [0x22, 0x80, 0x22],
        ]
        for bytes in badUTF8 {
            #expect(!ByteBuffer(bytes: bytes).withUnsafeReadableBytes { JSONValidator.isValid($0) }, "\(bytes)")
        }
        #expect(ByteBuffer(bytes: [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22]).withUnsafeReadableBytes { JSONValidator.isValid($0) })
    }

    /// Strings are scanned eight bytes at a time: a special byte at every position must still be seen.
    @Test func specialBytesAtEveryPositionOfALongString() {
        func check(_ inner: [UInt8], valid: Bool) {
            for position in 0..<24 {
                var bytes = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "a"), count: 24)
                bytes.insert(contentsOf: inner, at: 1 + position)
                bytes.append(UInt8(ascii: "\""))
                #expect(ByteBuffer(bytes: bytes).withUnsafeReadableBytes { JSONValidator.isValid($0) } == valid, "\(inner) at \(position)")
            }
        }
        check([0x01], valid: false)
        check([0x1F], valid: false)
        check([0x22], valid: false)  // an unescaped quote ends the string early
        check([0x5C], valid: false)  // a lone backslash escapes the next 'a'
        check([0xFF], valid: false)
        check([0xC3, 0xA9], valid: true)
        check([0x5C, 0x22], valid: true)
        check([0x5C, 0x75, 0x30, 0x30, 0x34, 0x31], valid: true)
        check([0x20, 0x7F, 0x21, 0x23, 0x5B, 0x5D], valid: true)
    }

    @Test func utf8Validator() {
        #expect(UTF8Validator.isValid(ByteBuffer(string: "plain ASCII, long enough for the 8-byte path; é 日本 😀")))
        #expect(UTF8Validator.isValid(ByteBuffer()))
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF], [0x80]] {
            #expect(!UTF8Validator.isValid(ByteBuffer(bytes: Array("0123456789".utf8) + bad)), "\(bad)")
        }
    }

    @Test func payloadsTooDeepForABatchFrameAreDeliveredAsBase64() throws {
        let codec = JSONFrameCodec(maxDepth: 8)
        let fits = ByteBuffer(string: "[[[[[1]]]]]")  // depth 5 = maxDepth - 3
        let tooDeep = ByteBuffer(string: "[[[[[[1]]]]]]")  // depth 6
        var out = ByteBuffer()
        codec.encode(.messages(MessagesFrame(sub: "s", messages: [
            DeliveredMessage(topic: "t", offset: 0, timestamp: 0, payload: fits),
            DeliveredMessage(topic: "t", offset: 1, timestamp: 0, payload: tooDeep),
        ])), into: &out)
        #expect(out.text.contains(#""data":[[[[[1]]]]]"#))
        #expect(out.text.contains(#""data_b64":"W1tbW1tbMV1dXV1dXQ==""#))
        // The batch frame decodes under the same limit, and both payloads come back intact.
        guard case .messages(let frame) = try codec.decodeServerFrame(out) else { return }
        #expect(frame.messages.map(\.payload) == [fits, tooDeep])
    }

    @Test func maxDepthIsClamped() {
        #expect(JSONFrameCodec(maxDepth: 0).maxDepth == 4)
        #expect(JSONFrameCodec(maxDepth: 1_000_000).maxDepth == 512)
        #expect(JSONFrameCodec().maxDepth == 64)
    }

    @Test func depthLimitIsEnforced() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(ByteBuffer(string: ok).withUnsafeReadableBytes { JSONValidator.isValid($0, maxDepth: 64) })
        #expect(!ByteBuffer(string: deep).withUnsafeReadableBytes { JSONValidator.isValid($0, maxDepth: 64) })
        // Far past the limit still fails cleanly (no stack overflow).
        let hostile = String(repeating: "[", count: 1_000_000)
        #expect(!ByteBuffer(string: hostile).withUnsafeReadableBytes { JSONValidator.isValid($0, maxDepth: 64) })
    }
}
