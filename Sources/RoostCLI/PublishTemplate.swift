import NIOCore
import RoostClient
import RoostProtocol

/// A publish frame (or a `publish_batch` frame of N copies of the message) encoded and masked once, then
/// sent many times. All publishes carry request id 1: the
/// broker confirms in order, so the load generator counts confirms instead of matching them. The first 16
/// payload bytes can be overwritten with a send timestamp (hex nanoseconds) for end-to-end latency, and,
/// with `dedup`, the frame carries a dedup id of 15 bytes, as short as the client library's (a string of up
/// to 15 bytes costs the broker no allocation): 8 random hex digits per run (two runs on one topic collide with
/// odds of 1 in 2^32), then a 7-digit hex per-message counter (it wraps after 2^28 messages, long after the
/// broker's dedup window has forgotten the first ids).
struct PublishTemplate: Sendable {
    static let marker = Array("RoostBenchStamp!".utf8)
    static let dedupMarker = Array("RoostDe".utf8)
    let frame: ByteBuffer
    let payloadStart: Int
    /// Where each message's payload starts in the encoded frame.
    let stampOffsets: [Int]
    /// Where each message's dedup id marker starts (empty without dedup ids).
    let dedupOffsets: [Int]
    let maskKey: [UInt8]
    let payloadBytes: Int
    /// Messages per frame: 1 for a `publish`, N for a `publish_batch` of N (`roost bench pub --batch`).
    let messages: Int

    init(topic: String, size: Int, encoding: WireEncoding, dedup: Bool = false, batch: Int = 1) throws {
        var payload = ByteBuffer()
        if encoding == .json { payload.writeString("\"") }
        payload.writeBytes(Self.marker)
        payload.writeRepeatingByte(UInt8(ascii: "x"), count: size - Self.marker.count)
        if encoding == .json { payload.writeString("\"") }
        var encoded = ByteBuffer()
        var random = SystemRandomNumberGenerator()
        let dedupID = dedup ? String(decoding: Self.hex(random.next(), digits: 8) + Self.dedupMarker, as: UTF8.self) : nil
        let entry = PublishEntry(dedupID: dedupID, payload: payload)
        let frame: ClientFrame = batch > 1
            ? .publishBatch(PublishBatchFrame(id: RequestID(1), topic: topic, messages: Array(repeating: entry, count: batch)))
            : .publish(PublishFrame(id: RequestID(1), topic: topic, entry: entry))
        encoding.codec.encode(frame, into: &encoded)
        let bytes = Array(encoded.readableBytesView)
        let stamps = Self.findAll(Self.marker, in: bytes)
        guard stamps.count == batch else { throw CLIError(.generic, "cannot locate the payloads in the encoded frame") }
        self.dedupOffsets = dedup ? Self.findAll(Self.dedupMarker, in: bytes) : []
        var generator = SystemRandomNumberGenerator()
        let key = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let (framed, start) = WebSocketFraming.maskedFrame(payload: encoded, binary: encoding == .binary, maskKey: key)
        self.frame = framed
        self.payloadStart = start
        self.stampOffsets = stamps
        self.maskKey = key
        self.payloadBytes = size
        self.messages = batch
    }

    /// A copy of the frame with `nanoseconds` written into every payload (when given) and `sequence` (the
    /// number of the frame's first message) into the dedup ids, one per message (when the template has them).
    func stamped(_ nanoseconds: UInt64?, sequence: UInt64) -> ByteBuffer {
        var copy = ByteBuffer()
        copy.reserveCapacity(frame.readableBytes)
        var source = frame
        copy.writeBuffer(&source)
        if let nanoseconds {
            let digits = Self.hex(nanoseconds)
            for offset in stampOffsets {
                WebSocketFraming.patch(&copy, payloadStart: payloadStart, payloadOffset: offset, with: digits, maskKey: maskKey)
            }
        }
        for (index, offset) in dedupOffsets.enumerated() {
            WebSocketFraming.patch(
                &copy, payloadStart: payloadStart, payloadOffset: offset,
                with: Self.hex(sequence + UInt64(index), digits: Self.dedupMarker.count), maskKey: maskKey)
        }
        return copy
    }

    /// Whether every message needs its own copy of the frame.
    var variesPerMessage: Bool { !dedupOffsets.isEmpty }

    /// The low `digits` hex digits of `value`, most significant first.
    static func hex(_ value: UInt64, digits count: Int = 16) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<count).map { digits[Int((value >> UInt64((count - 1 - $0) * 4)) & 0xF)] }
    }

    /// Reads a stamp written by ``stamped(_:)`` from a delivered payload (JSON payloads start with a quote).
    static func readStamp(_ payload: ByteBuffer) -> UInt64? {
        var view = payload.readableBytesView[...]
        if view.first == UInt8(ascii: "\"") { view = view.dropFirst() }
        guard view.count >= 16 else { return nil }
        var value: UInt64 = 0
        for byte in view.prefix(16) {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    private static func findAll(_ needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard haystack.count >= needle.count else { return [] }
        var found: [Int] = []
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { found.append(i) }
        }
        return found
    }
}
