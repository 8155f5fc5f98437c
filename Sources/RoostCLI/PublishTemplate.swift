import NIOCore
import RoostClient
import RoostProtocol

/// A publish frame encoded and masked once, then sent many times. All publishes carry request id 1: the
/// broker confirms in order, so the load generator counts confirms instead of matching them. The first 16
/// payload bytes can be overwritten with a send timestamp (hex nanoseconds) for end-to-end latency, and,
/// with `dedup`, the frame carries a dedup id of 15 bytes, as short as the client library's (a string of up
/// to 15 bytes costs the broker no allocation): 4 random hex digits, then an 11-digit per-message counter.
struct PublishTemplate: Sendable {
    static let marker = Array("RoostBenchStamp!".utf8)
    static let dedupMarker = Array("RoostDedup!".utf8)
    let frame: ByteBuffer
    let payloadStart: Int
    let stampOffset: Int
    let dedupOffset: Int?
    let maskKey: [UInt8]
    let payloadBytes: Int

    init(topic: String, size: Int, encoding: WireEncoding, dedup: Bool = false) throws {
        var payload = ByteBuffer()
        if encoding == .json { payload.writeString("\"") }
        payload.writeBytes(Self.marker)
        payload.writeRepeatingByte(UInt8(ascii: "x"), count: size - Self.marker.count)
        if encoding == .json { payload.writeString("\"") }
        var encoded = ByteBuffer()
        var random = SystemRandomNumberGenerator()
        let dedupID = dedup ? String(decoding: Self.hex(random.next(), digits: 4) + Self.dedupMarker, as: UTF8.self) : nil
        encoding.codec.encode(
            .publish(PublishFrame(id: RequestID(1), topic: topic, entry: PublishEntry(dedupID: dedupID, payload: payload))),
            into: &encoded)
        let bytes = Array(encoded.readableBytesView)
        guard let at = Self.find(Self.marker, in: bytes) else { throw CLIError(.generic, "cannot locate the payload in the encoded frame") }
        self.dedupOffset = dedup ? Self.find(Self.dedupMarker, in: bytes) : nil
        var generator = SystemRandomNumberGenerator()
        let key = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let (frame, start) = WebSocketFraming.maskedFrame(payload: encoded, binary: encoding == .binary, maskKey: key)
        self.frame = frame
        self.payloadStart = start
        self.stampOffset = at
        self.maskKey = key
        self.payloadBytes = size
    }

    /// A copy of the frame with `nanoseconds` written into the payload (when given) and `sequence` into
    /// the dedup id (when the template has one).
    func stamped(_ nanoseconds: UInt64?, sequence: UInt64) -> ByteBuffer {
        var copy = ByteBuffer()
        copy.reserveCapacity(frame.readableBytes)
        var source = frame
        copy.writeBuffer(&source)
        if let nanoseconds {
            WebSocketFraming.patch(&copy, payloadStart: payloadStart, payloadOffset: stampOffset, with: Self.hex(nanoseconds), maskKey: maskKey)
        }
        if let dedupOffset {
            WebSocketFraming.patch(&copy, payloadStart: payloadStart, payloadOffset: dedupOffset, with: Self.hex(sequence, digits: Self.dedupMarker.count), maskKey: maskKey)
        }
        return copy
    }

    /// Whether every message needs its own copy of the frame.
    var variesPerMessage: Bool { dedupOffset != nil }

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

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
