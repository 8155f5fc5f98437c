import ArgumentParser
import NIOCore
import RoostProtocol

/// `roost bench codec`: nanoseconds per frame for the wire codecs' hot paths (decode a publish, encode a
/// delivery once, write it per subscriber), JSON and binary, in this process, without a network.
///
/// A measurement, single-threaded: build with `-c release`, and expect noise on a machine that is busy.
struct CodecBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Measure the wire codecs: ns per frame to decode publishes and encode deliveries (JSON and binary)."
    )

    @Option(help: "Frames per measurement (batched measurements use 1/50 as many frames of 100 or 64 messages).")
    var iterations: Int = 1_000_000

    @Option(help: "Payload size in bytes: letters, so that JSON carries them as a string, as wsbench does.")
    var payloadSize: Int = 128

    @Option(help: "Runs per measurement; the fastest is reported, which filters out other load on the machine.")
    var repeats: Int = 3

    @Flag(help: "Print one JSON object per measurement instead of a table.")
    var json = false

    func validate() throws {
        guard iterations >= 100 else { throw ValidationError("--iterations must be at least 100") }
        guard (1...100).contains(repeats) else { throw ValidationError("--repeats must be 1 to 100") }
        guard (1...1_048_576).contains(payloadSize) else { throw ValidationError("--payload-size must be 1 to 1048576") }
    }

    /// One result line.
    struct Result {
        var name: String
        var nanosecondsPerFrame: Double
    }

    func run() throws {
        let letters = String(repeating: "abcdefghijklmnopqrstuvwxyz", count: payloadSize / 26 + 1).prefix(payloadSize)
        var results: [Result] = []
        try measureDecoding(String(letters), into: &results)
        for encoding in WireEncoding.allCases {
            measureEncoding(encoding, payload: String(letters), into: &results)
        }
        for result in results {
            if json {
                print("{\"name\":\"\(result.name)\",\"ns_per_frame\":\(rounded(result.nanosecondsPerFrame)),\"payload_size\":\(payloadSize)}")
            } else {
                let name = result.name.padding(to: 56)
                let perSecond = result.nanosecondsPerFrame > 0 ? Int(1e9 / result.nanosecondsPerFrame) : 0
                print("\(name) \(String(rounded(result.nanosecondsPerFrame)).leftPadding(to: 10)) ns/frame \(String(perSecond).leftPadding(to: 11)) frames/s")
            }
        }
    }

    private func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    /// Runs `body` on `state` (inout, so the loop captures nothing mutable) `repeats` times after a warm-up,
    /// and records the fastest run.
    private func measure<State>(
        _ name: String, iterations: Int, perIteration: Int = 1, state: inout State, into results: inout [Result],
        _ body: (inout State) throws -> Int
    ) rethrows {
        var sink = 0
        for _ in 0..<max(iterations / 10, 1) { sink &+= try body(&state) }
        let clock = ContinuousClock()
        var nanoseconds = Double.infinity
        for _ in 0..<repeats {
            let start = clock.now
            for _ in 0..<iterations { sink &+= try body(&state) }
            let elapsed = clock.now - start
            nanoseconds = min(nanoseconds, Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
        }
        // `sink` keeps the optimizer from dropping the work; it is never zero for real frames.
        results.append(Result(name: sink == 0 ? name + " (no work?)" : name,
                              nanosecondsPerFrame: nanoseconds / Double(iterations * perIteration)))
    }

    private func measureDecoding(_ payload: String, into results: inout [Result]) throws {
        let json = JSONFrameCodec()
        let binary = BinaryFrameCodec()
        var publish = ByteBuffer(string: "{\"op\":\"publish\",\"id\":1,\"topic\":\"bench\",\"data\":\"\(payload)\"}")
        try measure("json decode publish", iterations: iterations, state: &publish, into: &results) { frame in
            guard case .publish(let p) = try json.decodeClientFrame(frame) else { return 0 }
            return p.entry.payload.readableBytes
        }
        var batchText = "{\"op\":\"publish_batch\",\"id\":1,\"topic\":\"bench\",\"messages\":["
        batchText += Array(repeating: "{\"data\":\"\(payload)\"}", count: 100).joined(separator: ",") + "]}"
        var batch = ByteBuffer(string: batchText)
        try measure("json decode publish_batch of 100, per message", iterations: iterations / 50, perIteration: 100,
                    state: &batch, into: &results) { frame in
            guard case .publishBatch(let b) = try json.decodeClientFrame(frame) else { return 0 }
            return b.messages.count
        }
        var binaryPublish = ByteBuffer()
        binary.encode(.publish(PublishFrame(id: RequestID(1), topic: "bench", entry: PublishEntry(payload: ByteBuffer(string: payload)))),
                      into: &binaryPublish)
        try measure("binary decode publish", iterations: iterations, state: &binaryPublish, into: &results) { frame in
            guard case .publish(let p) = try binary.decodeClientFrame(frame) else { return 0 }
            return p.entry.payload.readableBytes
        }
    }

    private func measureEncoding(_ encoding: WireEncoding, payload: String, into results: inout [Result]) {
        let codec = encoding.codec
        let name = encoding == .json ? "json" : "binary"
        let message = DeliveredMessage(topic: "bench", offset: 123_456, timestamp: 1_763_700_000_000,
                                       payload: ByteBuffer(string: "\"\(payload)\""))
        let opaque = DeliveredMessage(topic: "bench", offset: 123_456, timestamp: 1_763_700_000_000,
                                      payload: ByteBuffer(repeating: 0xAB, count: payloadSize))
        var out = ByteBuffer()
        out.reserveCapacity(64 * (payloadSize * 2 + 128))
        measure("\(name) encodeDelivery, JSON payload (once per message)", iterations: iterations, state: &out, into: &results) { _ in
            codec.encodeDelivery(message).byteCount
        }
        measure("\(name) encodeDelivery, opaque payload", iterations: iterations, state: &out, into: &results) { _ in
            codec.encodeDelivery(opaque).byteCount
        }
        let shared = codec.encodeDelivery(message)
        measure("\(name) message frame per subscriber (pre-encoded)", iterations: iterations, state: &out, into: &results) { out in
            out.clear()
            codec.writeMessage(sub: "s1", shared, into: &out)
            return out.readableBytes
        }
        measure("\(name) messages frame of 64, per message", iterations: iterations / 50, perIteration: 64, state: &out,
                into: &results) { out in
            out.clear()
            codec.writeMessagesHeader(sub: "s1", into: &out)
            for index in 0..<64 { codec.appendToMessages(shared, isFirst: index == 0, into: &out) }
            codec.writeMessagesTrailer(into: &out)
            return out.readableBytes
        }
        let ok = ServerFrame.ok(OKFrame(id: RequestID(1), offset: 123_456, timestamp: 1_763_700_000_000, durable: true))
        measure("\(name) encode ok", iterations: iterations, state: &out, into: &results) { out in
            out.clear()
            codec.encode(ok, into: &out)
            return out.readableBytes
        }
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func leftPadding(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
