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

    /// A `messages` frame made of slices of runs (any split, several runs, a redelivery among them) is
    /// byte-identical to the frame encoding, and each element alone is the single-message encoding.
    @Test(arguments: [WireEncoding.json, .binary])
    func framesFromRunSlicesAreByteIdenticalToTheFrameEncoding(_ encoding: WireEncoding) throws {
        let codec = encoding.codec
        let redelivered = DeliveredMessage(topic: "t", offset: 2, timestamp: 7, payload: ByteBuffer(string: "r"), deliveries: 3)
        let contents = [Self.messages, [redelivered] + Self.messages]
        let runs = contents.map { codec.encodeDeliveryRun($0) }
        let (first, second) = (runs[0], runs[1])
        #expect(first.count == 3 && second.count == 4)
        for (index, message) in Self.messages.enumerated() {
            #expect(first.delivery(at: index) == codec.encodeDelivery(message))
        }
        #expect(second.delivery(at: 0) == codec.encodeDelivery(redelivered))
        // (run, elements) per part of one frame.
        let splits: [[(Int, Range<Int>)]] = [
            [(0, 0..<3)], [(0, 0..<1), (0, 1..<3)], [(0, 1..<2)], [(0, 2..<3), (1, 0..<4), (0, 0..<2)],
        ]
        for parts in splits {
            let expected = parts.flatMap { run, range in range.map { contents[run][$0] } }
            var viaRuns = ByteBuffer()
            codec.writeMessagesHeader(sub: "s3", into: &viaRuns)
            for (index, (run, range)) in parts.enumerated() {
                var part = runs[run].messagesPart(range, endsFrame: index == parts.count - 1)
                viaRuns.writeBuffer(&part)
            }
            codec.writeMessagesTrailer(into: &viaRuns)
            var direct = ByteBuffer()
            codec.encode(.messages(MessagesFrame(sub: "s3", messages: expected)), into: &direct)
            #expect(viaRuns == direct)
            #expect(try codec.decodeServerFrame(viaRuns) == .messages(MessagesFrame(sub: "s3", messages: expected)))
        }
    }

    /// A run encoded in place from a source (topic encoded once per run) is byte for byte the run encoded from
    /// delivered messages: keys (text and binary), headers, JSON and non-JSON payloads, a topic that needs escaping,
    /// an empty run.
    @Test(arguments: [WireEncoding.json, .binary])
    func runFromSourceIsByteIdenticalToRunFromMessages(_ encoding: WireEncoding) {
        let codec = encoding.codec
        for topic in ["orders.created", "we\"ird\\topic", "t"] {
            let messages = (0..<40).map { Self.runMessage(topic: topic, index: $0) }
            for count in [0, 1, 40] {
                let slice = Array(messages.prefix(count))
                let fromSource = codec.encodeDeliveryRun(DeliveredMessageRun(topic: topic, messages: slice))
                let fromMessages = codec.encodeDeliveryRun(slice)
                #expect(fromSource.count == count)
                #expect(fromSource.byteCount == fromMessages.byteCount)
                if count > 0 {
                    #expect(fromSource.messagesPart(0..<count, endsFrame: true) == fromMessages.messagesPart(0..<count, endsFrame: true))
                    #expect(fromSource.delivery(at: count - 1) == codec.encodeDelivery(slice[count - 1]))
                }
            }
        }
    }

    /// Message `index` of a run: keys text, binary or none, headers on some, JSON and non-JSON payloads.
    private static func runMessage(topic: String, index: Int) -> DeliveredMessage {
        let key: ByteBuffer?
        switch index % 3 {
        case 0: key = ByteBuffer(string: "k\(index)")
        case 1: key = ByteBuffer(bytes: [0xC3, 0x28])
        default: key = nil
        }
        let headers = index % 4 == 0 ? [Header(name: "trace", value: "a\"b"), Header(name: "n", value: "\(index)")] : []
        let payload = index % 2 == 0 ? ByteBuffer(string: "{\"n\":\(index)}") : ByteBuffer(bytes: [0xDE, 0xAD, UInt8(index)])
        let offset = 1_000 + Int64(index)
        let timestamp = 1_763_700_000_000 + Int64(index / 5 * 37)  // runs of equal timestamps, as one append makes
        return DeliveredMessage(topic: topic, offset: offset, timestamp: timestamp, key: key, headers: headers, payload: payload)
    }

    @Test func jsonMessageLayout() {
        var out = ByteBuffer()
        JSONFrameCodec().writeMessage(sub: "s1", JSONFrameCodec().encodeDelivery(Fixtures.message), into: &out)
        #expect(out.text == #"{"op":"message","sub":"s1","topic":"orders.created","offset":41,"timestamp":1763700000000,"key":"o-17","headers":{"trace":"ab"},"data":{"order":17}}"#)
    }
}
