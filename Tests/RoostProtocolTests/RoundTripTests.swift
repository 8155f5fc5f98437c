import NIOCore
import RoostProtocol
import Testing

@Suite("Round trips of every frame in both encodings")
struct RoundTripTests {
    @Test(arguments: Fixtures.clientFrames)
    func clientFrameJSON(_ frame: ClientFrame) throws {
        try roundTrip(frame, JSONFrameCodec())
    }

    @Test(arguments: Fixtures.clientFrames)
    func clientFrameBinary(_ frame: ClientFrame) throws {
        try roundTrip(frame, BinaryFrameCodec())
    }

    @Test(arguments: Fixtures.serverFrames)
    func serverFrameJSON(_ frame: ServerFrame) throws {
        try roundTrip(frame, JSONFrameCodec())
    }

    @Test(arguments: Fixtures.serverFrames)
    func serverFrameBinary(_ frame: ServerFrame) throws {
        try roundTrip(frame, BinaryFrameCodec())
    }

    private func roundTrip(_ frame: ClientFrame, _ codec: some FrameCodec) throws {
        var buffer = ByteBuffer()
        codec.encode(frame, into: &buffer)
        let decoded = try codec.decodeClientFrame(buffer)
        #expect(decoded == frame, "\(codec.encoding): \(buffer.text)")
    }

    private func roundTrip(_ frame: ServerFrame, _ codec: some FrameCodec) throws {
        var buffer = ByteBuffer()
        codec.encode(frame, into: &buffer)
        let decoded = try codec.decodeServerFrame(buffer)
        #expect(decoded == frame, "\(codec.encoding): \(buffer.text)")
    }

    @Test func directionsDoNotMix() {
        for codec in Fixtures.codecs {
            var buffer = ByteBuffer()
            codec.encode(Fixtures.serverFrames[0], into: &buffer)
            #expect(throws: ProtocolError.self) { try codec.decodeClientFrame(buffer) }
            var request = ByteBuffer()
            codec.encode(Fixtures.clientFrames[0], into: &request)
            #expect(throws: ProtocolError.self) { try codec.decodeServerFrame(request) }
        }
    }

    @Test func jsonFieldsAreReadInAnyOrderWithWhitespaceAndUnknownFields() throws {
        let text = " {\n\t\"data\" : [1, {\"a\": null}] , \"future\": {\"x\": [true]}, \"topic\":\"t\", \"op\" : \"publish\" }\r\n"
        let frame = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: text))
        #expect(frame == .publish(PublishFrame(topic: "t", entry: PublishEntry(payload: ByteBuffer(string: "[1, {\"a\": null}]")))))
    }

    @Test func framesAreReadFromTheReaderIndex() throws {
        for codec in Fixtures.codecs {
            for frame in Fixtures.clientFrames {
                var buffer = ByteBuffer(string: "garbage before the frame")
                buffer.moveReaderIndex(to: buffer.writerIndex)
                codec.encode(frame, into: &buffer)
                #expect(try codec.decodeClientFrame(buffer) == frame)
            }
        }
    }

    @Test func nullMeansAbsentExceptForData() throws {
        let text = #"{"op":"publish","id":null,"topic":"t","key":null,"headers":null,"data":null}"#
        let frame = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: text))
        #expect(frame == .publish(PublishFrame(topic: "t", entry: PublishEntry(payload: ByteBuffer(string: "null")))))
    }

    @Test func lastDuplicateFieldWins() throws {
        let text = #"{"op":"credit","sub":"a","n":1,"sub":"b"}"#
        #expect(try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: text)) == .credit(CreditFrame(sub: "b", n: 1)))
    }

    @Test func escapedKeysAndValuesAreUnescaped() throws {
        let text = #"{"\u006fp":"unsubscribe","s\u0075b":"a\"b\\c\/d\u00e9\ud83d\ude00\n"}"#
        let frame = try JSONFrameCodec().decodeClientFrame(ByteBuffer(string: text))
        #expect(frame == .unsubscribe(UnsubscribeFrame(sub: "a\"b\\c/d\u{e9}\u{1F600}\n")))
    }
}
