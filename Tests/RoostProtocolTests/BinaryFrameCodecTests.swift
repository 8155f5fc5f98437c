import NIOCore
import RoostProtocol
import Testing

@Suite("Binary encoding: documented layout and malformed input")
struct BinaryFrameCodecTests {
    static func hex(_ buffer: ByteBuffer) -> String {
        buffer.readableBytesView.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }

    static func bytes(_ hex: String) -> ByteBuffer {
        ByteBuffer(bytes: hex.split(separator: " ").compactMap { UInt8($0, radix: 16) })
    }

    static func encode(_ frame: ClientFrame) -> String {
        var buffer = ByteBuffer()
        BinaryFrameCodec().encode(frame, into: &buffer)
        return hex(buffer)
    }

    static func encode(_ frame: ServerFrame) -> String {
        var buffer = ByteBuffer()
        BinaryFrameCodec().encode(frame, into: &buffer)
        return hex(buffer)
    }

    /// The hex examples of Docs/protocol.md, "Binary encoding".
    @Test func documentedExamples() {
        let payload = ByteBuffer(string: "hi")
        #expect(Self.encode(.publish(PublishFrame(id: RequestID(1), topic: "t", entry: PublishEntry(key: ByteBuffer(string: "k"), payload: payload))))
            == "01 03 01 31 01 74 01 6b 02 68 69")
        #expect(Self.encode(.publishBatch(PublishBatchFrame(id: RequestID(2), topic: "t", messages: [
            PublishEntry(payload: payload), PublishEntry(headers: [Header(name: "a", value: "b")], payload: payload)])))
            == "02 01 01 32 01 74 02 00 02 68 69 04 01 01 61 01 62 02 68 69")
        #expect(Self.encode(.subscribe(SubscribeFrame(id: RequestID("s"), topic: "t", consumer: "c", from: .offset(300), ack: .explicit, maxInflight: 100)))
            == "03 0f 03 22 73 22 01 74 01 63 02 ac 02 01 64")
        #expect(Self.encode(.unsubscribe(UnsubscribeFrame(sub: "s1"))) == "04 00 02 73 31")
        #expect(Self.encode(.ack(AckFrame(sub: "s1", offset: 41, cumulative: true))) == "05 04 02 73 31 29")
        #expect(Self.encode(.nack(NackFrame(sub: "s1", offset: 41, delayMilliseconds: 1000))) == "06 04 02 73 31 29 e8 07")
        #expect(Self.encode(.credit(CreditFrame(sub: "s1", n: 10))) == "07 00 02 73 31 0a")
        #expect(Self.encode(.auth(AuthFrame(token: "t0k"))) == "08 00 03 74 30 6b")
        #expect(Self.encode(.ok(OKFrame(id: RequestID(1), offset: 41, timestamp: 1000, durable: true)))
            == "81 1b 01 31 29 e8 07")
        let message = DeliveredMessage(topic: "t", offset: 41, timestamp: 1000, payload: payload)
        #expect(Self.encode(.message(MessageFrame(sub: "s1", message: message))) == "82 00 02 73 31 00 01 74 29 e8 07 02 68 69")
        #expect(Self.encode(.messages(MessagesFrame(sub: "s1", messages: [message, message])))
            == "83 00 02 73 31 00 01 74 29 e8 07 02 68 69 00 01 74 29 e8 07 02 68 69")
        #expect(Self.encode(.caughtUp(CaughtUpFrame(sub: "s1", topic: "t", offset: 42))) == "84 00 02 73 31 01 74 2a")
        #expect(Self.encode(.error(ErrorFrame(id: RequestID(1), code: .internal, message: "x")))
            == "85 01 01 31 08 69 6e 74 65 72 6e 61 6c 01 78")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var hex: String
        var code: ErrorCode
        var testDescription: String { hex }
    }

    static let malformed: [Case] = [
        Case(hex: "", code: .malformedFrame),
        Case(hex: "01", code: .malformedFrame),
        Case(hex: "00 00", code: .unknownOp),
        Case(hex: "81 00 01 31", code: .unknownOp),
        Case(hex: "01 00 01 74", code: .malformedFrame),  // no payload
        Case(hex: "01 00 01 74 02 68", code: .malformedFrame),  // payload cut short
        Case(hex: "01 00 01 74 02 68 69 00", code: .malformedFrame),  // trailing byte
        Case(hex: "01 80 01 74 02 68 69", code: .malformedFrame),  // unknown flag
        Case(hex: "01 00 ff ff ff ff ff ff ff ff 7f 74", code: .malformedFrame),  // huge topic length
        Case(hex: "01 00 ff ff ff ff ff ff ff ff ff ff 01", code: .malformedFrame),  // varint overflow
        Case(hex: "01 00 01 ff 02 68 69", code: .invalidField),  // topic not UTF-8
        Case(hex: "01 01 01 78 01 74 00", code: .invalidField),  // id not a JSON token
        Case(hex: "01 04 01 74 ff ff ff ff 0f", code: .malformedFrame),  // huge header count
        Case(hex: "02 00 01 74 00", code: .malformedFrame),  // empty batch
        Case(hex: "02 00 01 74 ff ff ff ff 0f 00 00", code: .malformedFrame),  // huge batch count
        Case(hex: "03 02 01 31 01 74 09", code: .invalidField),  // unknown start kind
        Case(hex: "03 04 01 31 01 74 02", code: .invalidField),  // unknown ack policy
        Case(hex: "05 00 02 73 31 ff ff ff ff ff ff ff ff ff 01", code: .invalidField),  // offset > Int64.max
        Case(hex: "07 00 02 73 31 ff ff ff ff 1f", code: .invalidField),  // n > UInt32.max
    ]

    @Test(arguments: malformed)
    func rejected(_ testCase: Case) {
        #expect {
            try BinaryFrameCodec().decodeClientFrame(Self.bytes(testCase.hex))
        } throws: { error in
            (error as? ProtocolError)?.code == testCase.code
        }
    }

    @Test func errorsCarryTheRequestIDOnceRead() throws {
        let error = try #require(throws: ProtocolError.self) {
            try BinaryFrameCodec().decodeClientFrame(Self.bytes("04 01 01 37 05 73"))
        }
        #expect(error.requestID == RequestID(7))
        #expect(error.field == "sub")
    }

    @Test func everyTruncationOfEveryFrameIsRejected() {
        for frame in Fixtures.clientFrames {
            var buffer = ByteBuffer()
            BinaryFrameCodec().encode(frame, into: &buffer)
            for length in 0..<buffer.readableBytes {
                #expect(throws: ProtocolError.self) {
                    try BinaryFrameCodec().decodeClientFrame(buffer.getSlice(at: 0, length: length) ?? ByteBuffer())
                }
            }
        }
    }
}
