import NIOCore
import RoostProtocol
import Testing

@Suite("Encode once, write per subscriber")
struct EncodedDeliveryTests {
    static let messages = [Fixtures.message, Fixtures.binaryMessage,
                           DeliveredMessage(topic: "t", offset: 1, timestamp: -5, payload: ByteBuffer(string: "\"abc\""))]

    @Test(arguments: [WireEncoding.json, .binary])
    func singleMessageIsByteIdenticalToTheFrameEncoding(_ encoding: WireEncoding) throws {
        let codec = encoding.codec
        for message in Self.messages {
            let shared = codec.encodeDelivery(message)
            #expect(shared.encoding == encoding)
            for sub in ["s1", "subscription-with-\"quote\""] {
                var viaShared = ByteBuffer()
                codec.writeMessage(sub: sub, shared, into: &viaShared)
                var direct = ByteBuffer()
                codec.encode(.message(MessageFrame(sub: sub, message: message)), into: &direct)
                #expect(viaShared == direct)
                #expect(try codec.decodeServerFrame(viaShared) == .message(MessageFrame(sub: sub, message: message)))
            }
        }
    }

    @Test(arguments: [WireEncoding.json, .binary])
    func batchIsByteIdenticalToTheFrameEncoding(_ encoding: WireEncoding) throws {
        let codec = encoding.codec
        let shared = Self.messages.map { codec.encodeDelivery($0) }
        var viaShared = ByteBuffer()
        codec.writeMessagesHeader(sub: "s9", into: &viaShared)
        for (index, delivery) in shared.enumerated() {
            codec.appendToMessages(delivery, isFirst: index == 0, into: &viaShared)
        }
        codec.writeMessagesTrailer(into: &viaShared)
        var direct = ByteBuffer()
        codec.encode(.messages(MessagesFrame(sub: "s9", messages: Self.messages)), into: &direct)
        #expect(viaShared == direct)
        #expect(try codec.decodeServerFrame(viaShared) == .messages(MessagesFrame(sub: "s9", messages: Self.messages)))
    }

    @Test func jsonMessageLayout() {
        var out = ByteBuffer()
        JSONFrameCodec().writeMessage(sub: "s1", JSONFrameCodec().encodeDelivery(Fixtures.message), into: &out)
        #expect(out.text == #"{"op":"message","sub":"s1","topic":"orders.created","offset":41,"timestamp":1763700000000,"key":"o-17","headers":{"trace":"ab"},"data":{"order":17}}"#)
    }
}
