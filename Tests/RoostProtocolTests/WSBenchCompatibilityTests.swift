import NIOCore
import RoostProtocol
import Testing

/// The external load tool (wsbench, proto_roost.c) sends fixed JSON frames and parses replies with a
/// naive scanner: the first `"key"` occurrence, then the value's first byte. These tests keep Roost
/// speaking exactly what it expects.
@Suite("wsbench compatibility")
struct WSBenchCompatibilityTests {
    /// A port of proto_roost.c's `field()`: the first `"key"` anywhere, skip spaces and colons.
    static func field(_ data: [UInt8], _ key: String) -> ArraySlice<UInt8>? {
        let needle = Array(key.utf8)
        let length = needle.count
        var i = 0
        while i + length + 3 <= data.count {
            if data[i] == UInt8(ascii: "\""), Array(data[(i + 1)..<(i + 1 + length)]) == needle,
               data[i + 1 + length] == UInt8(ascii: "\"") {
                var j = i + length + 2
                while j < data.count, data[j] == UInt8(ascii: " ") || data[j] == UInt8(ascii: ":") { j += 1 }
                return j < data.count ? data[j...] : nil
            }
            i += 1
        }
        return nil
    }

    @Test func benchFramesDecode() throws {
        let codec = JSONFrameCodec()
        let publish = try codec.decodeClientFrame(ByteBuffer(string: #"{"op":"publish","topic":"bench","data":"abc"}"#))
        #expect(publish == .publish(PublishFrame(topic: "bench", entry: PublishEntry(payload: ByteBuffer(string: "\"abc\"")))))
        let windowed = try codec.decodeClientFrame(ByteBuffer(string: #"{"op":"publish","id":1,"topic":"bench","data":"abc"}"#))
        #expect(windowed.requestID == RequestID(1))
        let flush = try codec.decodeClientFrame(ByteBuffer(string: #"{"op":"publish","id":"f","topic":"bench.flush","data":"f"}"#))
        #expect(flush.requestID == RequestID("f"))
        for from in ["latest", "earliest"] {
            let subscribe = try codec.decodeClientFrame(
                ByteBuffer(string: "{\"op\":\"subscribe\",\"id\":\"s\",\"topic\":\"bench\",\"from\":\"\(from)\"}"))
            #expect(subscribe == .subscribe(SubscribeFrame(id: RequestID("s"), topic: "bench", from: from == "latest" ? .latest : .earliest)))
        }
    }

    @Test func repliesAreFoundByTheNaiveScanner() throws {
        let codec = JSONFrameCodec()
        func encoded(_ frame: ServerFrame) -> [UInt8] {
            var buffer = ByteBuffer()
            codec.encode(frame, into: &buffer)
            return Array(buffer: buffer)
        }
        // Confirms: op first, then the id's first byte tells which request it was.
        for (id, first) in [(RequestID(1), "1"), (RequestID("s"), "\"s"), (RequestID("f"), "\"f")] {
            let ok = encoded(.ok(OKFrame(id: id, offset: 12, timestamp: 1_763_700_000_000, durable: true, sub: "s1")))
            #expect(Self.field(ok, "op")?.starts(with: Array("\"ok\"".utf8)) == true)
            #expect(Self.field(ok, "id")?.starts(with: Array(first.utf8)) == true)
        }
        // Deliveries: op first, then "data" as a string holding exactly the published letters and digits.
        let published = try codec.decodeClientFrame(ByteBuffer(string: #"{"op":"publish","topic":"bench","data":"x9Yz"}"#))
        guard case .publish(let publish) = published else { return }
        let delivery = codec.encodeDelivery(DeliveredMessage(topic: "bench", offset: 7, timestamp: 1, payload: publish.entry.payload))
        var single = ByteBuffer()
        codec.writeMessage(sub: "s1", delivery, into: &single)
        let bytes = Array(buffer: single)
        #expect(Self.field(bytes, "op")?.starts(with: Array("\"message\"".utf8)) == true)
        #expect(Self.field(bytes, "data")?.starts(with: Array("\"x9Yz\"".utf8)) == true)
        // An error reply is recognised as one.
        let error = encoded(.error(ErrorFrame(code: .topicNotFound)))
        #expect(Self.field(error, "op")?.starts(with: Array("\"error\"".utf8)) == true)
    }
}
