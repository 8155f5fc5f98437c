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
@Suite("Codec throughput (opt-in)", .enabled(if: getenv("ROOST_CODEC_BENCH") != nil))
struct CodecThroughputTests {
    static let payload = String(repeating: "abcdefgh", count: 16)  // 128 bytes, like wsbench

    static func measure(_ name: String, iterations: Int = 1_000_000, perIteration: Int = 1, _ body: () throws -> Void) rethrows {
        for _ in 0..<(iterations / 10) { try body() }  // warm up
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations { try body() }
        let elapsed = clock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        let perFrame = nanoseconds / Double(iterations * perIteration)
        print("codec-bench \(name): \((perFrame * 10).rounded() / 10) ns/frame")
    }

    @Test func throughput() throws {
        let json = JSONFrameCodec()
        let binary = BinaryFrameCodec()
        let benchPublish = ByteBuffer(string: "{\"op\":\"publish\",\"id\":1,\"topic\":\"bench\",\"data\":\"\(Self.payload)\"}")
        var sink = 0
        try Self.measure("json decode publish (wsbench, 128 B)") {
            if case .publish(let p) = try json.decodeClientFrame(benchPublish) { sink &+= p.entry.payload.readableBytes }
        }
        let richPublish = ByteBuffer(string: #"{"op":"publish","id":"r-1","topic":"orders.created","key":"o-17","headers":{"trace":"ab"},"data":{"order":17,"items":[1,2,3],"note":"caf\u00e9"}}"#)
        try Self.measure("json decode publish (key, headers, object data)") {
            if case .publish(let p) = try json.decodeClientFrame(richPublish) { sink &+= p.entry.payload.readableBytes }
        }
        var batchText = "{\"op\":\"publish_batch\",\"id\":1,\"topic\":\"bench\",\"messages\":["
        batchText += (0..<100).map { _ in "{\"data\":\"\(Self.payload)\"}" }.joined(separator: ",") + "]}"
        let batch = ByteBuffer(string: batchText)
        try Self.measure("json decode publish_batch, per message", iterations: 20_000, perIteration: 100) {
            if case .publishBatch(let b) = try json.decodeClientFrame(batch) { sink &+= b.messages.count }
        }
        var binaryPublish = ByteBuffer()
        binary.encode(.publish(PublishFrame(id: RequestID(1), topic: "bench", entry: PublishEntry(payload: ByteBuffer(string: Self.payload)))), into: &binaryPublish)
        try Self.measure("binary decode publish (128 B)") {
            if case .publish(let p) = try binary.decodeClientFrame(binaryPublish) { sink &+= p.entry.payload.readableBytes }
        }

        let message = DeliveredMessage(topic: "bench", offset: 123_456, timestamp: 1_763_700_000_000, payload: ByteBuffer(string: "\"\(Self.payload)\""))
        let opaque = DeliveredMessage(topic: "bench", offset: 123_456, timestamp: 1_763_700_000_000, payload: ByteBuffer(repeating: 0xAB, count: 128))
        var out = ByteBuffer()
        out.reserveCapacity(4096)
        for (codec, name) in [(json as any FrameCodec, "json"), (binary, "binary")] {
            Self.measure("\(name) encodeDelivery (128 B JSON-string payload)") {
                sink &+= codec.encodeDelivery(message).byteCount
            }
            Self.measure("\(name) encodeDelivery (128 B opaque payload)") {
                sink &+= codec.encodeDelivery(opaque).byteCount
            }
            let shared = codec.encodeDelivery(message)
            Self.measure("\(name) writeMessage per subscriber (pre-encoded)") {
                out.clear()
                codec.writeMessage(sub: "s1", shared, into: &out)
                sink &+= out.readableBytes
            }
            Self.measure("\(name) messages frame of 64, per message", iterations: 20_000, perIteration: 64) {
                out.clear()
                codec.writeMessagesHeader(sub: "s1", into: &out)
                for index in 0..<64 { codec.appendToMessages(shared, isFirst: index == 0, into: &out) }
                codec.writeMessagesTrailer(into: &out)
                sink &+= out.readableBytes
            }
            Self.measure("\(name) encode ok") {
                out.clear()
                codec.encode(.ok(OKFrame(id: RequestID(1), offset: 123_456, timestamp: 1_763_700_000_000, durable: true)), into: &out)
                sink &+= out.readableBytes
            }
        }
        #expect(sink != 0)
    }
}
