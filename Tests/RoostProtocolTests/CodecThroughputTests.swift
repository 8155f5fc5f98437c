import NIOCore
import RoostProtocol
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Throughput of the codecs, printed in ns per frame. A measurement, not a test: it asserts nothing about
/// speed and runs only when asked, in release mode:
/// `ROOST_CODEC_BENCH=1 swift test -c release --filter CodecThroughputTests`
/// (set `ROOST_CODEC_BENCH` to a word instead of `1` to run only the measurements whose name contains it).
@Suite("Codec throughput (opt-in)", .enabled(if: getenv("ROOST_CODEC_BENCH") != nil))
struct CodecThroughputTests {
    static let payload = String(repeating: "abcdefgh", count: 16)  // 128 bytes, like wsbench

    static var only: String? {
        guard let value = getenv("ROOST_CODEC_BENCH").map({ String(cString: $0) }), value != "1" else { return nil }
        return value
    }

    /// Runs `body` on `state` (passed inout, so the loop captures nothing mutable) and prints ns per frame.
    static func measure<State>(
        _ name: String, iterations: Int = 1_000_000, perIteration: Int = 1, state: inout State,
        _ body: (inout State) throws -> Int
    ) rethrows -> Int {
        if let only, !name.contains(only) { return 1 }
        var sink = 0
        for _ in 0..<(iterations / 10) { sink &+= try body(&state) }  // warm up
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations { sink &+= try body(&state) }
        let elapsed = clock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        let perFrame = nanoseconds / Double(iterations * perIteration)
        print("codec-bench \(name): \((perFrame * 10).rounded() / 10) ns/frame")
        return sink
    }

    @Test func decoding() throws {
        let json = JSONFrameCodec()
        let binary = BinaryFrameCodec()
        var sink = 0
        var benchPublish = ByteBuffer(string: "{\"op\":\"publish\",\"id\":1,\"topic\":\"bench\",\"data\":\"\(Self.payload)\"}")
        sink &+= try Self.measure("json decode publish (wsbench, 128 B)", state: &benchPublish) { frame in
            guard case .publish(let p) = try json.decodeClientFrame(frame) else { return 0 }
            return p.entry.payload.readableBytes
        }
        var richPublish = ByteBuffer(string: #"{"op":"publish","id":"r-1","topic":"orders.created","key":"o-17","headers":{"trace":"ab"},"data":{"order":17,"items":[1,2,3],"note":"caf\u00e9"}}"#)
        sink &+= try Self.measure("json decode publish (key, headers, object data)", state: &richPublish) { frame in
            guard case .publish(let p) = try json.decodeClientFrame(frame) else { return 0 }
            return p.entry.payload.readableBytes
        }
        var batchText = "{\"op\":\"publish_batch\",\"id\":1,\"topic\":\"bench\",\"messages\":["
        batchText += (0..<100).map { _ in "{\"data\":\"\(Self.payload)\"}" }.joined(separator: ",") + "]}"
        var batch = ByteBuffer(string: batchText)
        sink &+= try Self.measure("json decode publish_batch of 100, per message", iterations: 20_000, perIteration: 100, state: &batch) { frame in
            guard case .publishBatch(let b) = try json.decodeClientFrame(frame) else { return 0 }
            return b.messages.count
        }
        var binaryPublish = ByteBuffer()
        binary.encode(.publish(PublishFrame(id: RequestID(1), topic: "bench", entry: PublishEntry(payload: ByteBuffer(string: Self.payload)))), into: &binaryPublish)
        sink &+= try Self.measure("binary decode publish (128 B)", state: &binaryPublish) { frame in
            guard case .publish(let p) = try binary.decodeClientFrame(frame) else { return 0 }
            return p.entry.payload.readableBytes
        }
        #expect(sink != 0)
    }

    @Test(arguments: [WireEncoding.json, .binary])
    func encoding(_ encoding: WireEncoding) {
        let codec = encoding.codec
        let name = "\(encoding)"
        let message = DeliveredMessage(topic: "bench", offset: 123_456, timestamp: 1_763_700_000_000, payload: ByteBuffer(string: "\"\(Self.payload)\""))
        let opaque = DeliveredMessage(topic: "bench", offset: 123_456, timestamp: 1_763_700_000_000, payload: ByteBuffer(repeating: 0xAB, count: 128))
        var out = ByteBuffer()
        out.reserveCapacity(16_384)
        var sink = 0
        sink &+= Self.measure("\(name) encodeDelivery (128 B JSON-string payload)", state: &out) { _ in
            codec.encodeDelivery(message).byteCount
        }
        sink &+= Self.measure("\(name) encodeDelivery (128 B opaque payload)", state: &out) { _ in
            codec.encodeDelivery(opaque).byteCount
        }
        let shared = codec.encodeDelivery(message)
        sink &+= Self.measure("\(name) writeMessage per subscriber (pre-encoded)", state: &out) { out in
            out.clear()
            codec.writeMessage(sub: "s1", shared, into: &out)
            return out.readableBytes
        }
        sink &+= Self.measure("\(name) messages frame of 64, per message", iterations: 20_000, perIteration: 64, state: &out) { out in
            out.clear()
            codec.writeMessagesHeader(sub: "s1", into: &out)
            for index in 0..<64 { codec.appendToMessages(shared, isFirst: index == 0, into: &out) }
            codec.writeMessagesTrailer(into: &out)
            return out.readableBytes
        }
        sink &+= Self.measure("\(name) encode ok", state: &out) { out in
            out.clear()
            codec.encode(.ok(OKFrame(id: RequestID(1), offset: 123_456, timestamp: 1_763_700_000_000, durable: true)), into: &out)
            return out.readableBytes
        }
        #expect(sink != 0)
    }
}
