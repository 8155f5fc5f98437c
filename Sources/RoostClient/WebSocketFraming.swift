import NIOCore
import NIOWebSocket

/// Builds complete, masked client WebSocket frames by hand: the client's outbox frames many publishes into
/// one buffer this way (one write per flush), and `roost bench` encodes a frame once and sends it many
/// times. Control frames (pong, close) still go through NIO's frame encoder.
package enum WebSocketFraming {
    /// A single-frame message: FIN, the opcode, the mask bit and key, the length, and `payload` masked with
    /// the first four bytes of `maskKey`. `payloadStart` is where the payload begins in the returned buffer.
    package static func maskedFrame(
        payload: ByteBuffer, binary: Bool, maskKey: [UInt8]
    ) -> (frame: ByteBuffer, payloadStart: Int) {
        var frame = ByteBuffer()
        frame.reserveCapacity(payload.readableBytes + 14)
        let word = maskKey.prefix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }
        appendMaskedFrame(payload, binary: binary, maskKey: word, into: &frame)
        return (frame, frame.readableBytes - payload.readableBytes)
    }

    /// Appends `payload` as one masked single-frame message (FIN, binary or text) to `out`, masking four
    /// bytes at a time. `maskKey` is any 32-bit value; its little-endian bytes are the frame's masking key.
    package static func appendMaskedFrame(_ payload: ByteBuffer, binary: Bool, maskKey: UInt32, into out: inout ByteBuffer) {
        let length = payload.readableBytes
        out.writeInteger(UInt8(0x80 | (binary ? 0x2 : 0x1)))
        if length < 126 {
            out.writeInteger(UInt8(0x80 | length))
        } else if length <= 0xFFFF {
            out.writeInteger(UInt8(0x80 | 126))
            out.writeInteger(UInt16(length))
        } else {
            out.writeInteger(UInt8(0x80 | 127))
            out.writeInteger(UInt64(length))
        }
        out.writeInteger(maskKey, endianness: .little)
        guard length > 0 else { return }
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { destination in
            payload.withUnsafeReadableBytes { source in
                mask(length, bytesOf: source, into: destination, key: maskKey)
            }
            return length
        }
    }

    /// Writes the first `length` bytes of `source` XOR the masking key `key` (its little-endian bytes) to
    /// `destination`, four bytes at a time. Each word is loaded before it is stored, so `source` and
    /// `destination` may be the same memory (masking in place).
    private static func mask(
        _ length: Int, bytesOf source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, key: UInt32
    ) {
        // XOR on the in-memory representation: byte j of `memoryKey` is byte j of the key on any host.
        let memoryKey = key.littleEndian
        var i = 0
        while i + 4 <= length {
            let word = source.loadUnaligned(fromByteOffset: i, as: UInt32.self)
            destination.storeBytes(of: word ^ memoryKey, toByteOffset: i, as: UInt32.self)
            i += 4
        }
        var shift = 0
        while i < length {
            destination[i] = source[i] ^ UInt8(truncatingIfNeeded: key >> UInt32(shift))
            shift += 8
            i += 1
        }
    }

    /// One masked single-frame message whose payload `encode` writes straight into the frame's buffer (no
    /// intermediate copy): the payload goes after room for the longest header, then is masked in place and
    /// the header written just before it.
    package static func maskedFrame(binary: Bool, maskKey: UInt32, encode: (inout ByteBuffer) -> Void) -> ByteBuffer {
        let room = 14
        var out = ByteBufferAllocator().buffer(capacity: 256)
        out.writeRepeatingByte(0, count: room)
        out.moveReaderIndex(forwardBy: room)
        encode(&out)
        let length = out.readableBytes
        var start = room - 6 - (length < 126 ? 0 : length <= 0xFFFF ? 2 : 8)
        out.moveReaderIndex(to: start)
        out.setInteger(UInt8(0x80 | (binary ? 0x2 : 0x1)), at: start)
        if length < 126 {
            out.setInteger(UInt8(0x80 | length), at: start + 1)
            start += 2
        } else if length <= 0xFFFF {
            out.setInteger(UInt8(0x80 | 126), at: start + 1)
            out.setInteger(UInt16(length), at: start + 2)
            start += 4
        } else {
            out.setInteger(UInt8(0x80 | 127), at: start + 1)
            out.setInteger(UInt64(length), at: start + 2)
            start += 10
        }
        out.setInteger(maskKey, at: start, endianness: .little)
        out.withUnsafeMutableReadableBytes { bytes in
            let payload = UnsafeMutableRawBufferPointer(rebasing: bytes[(bytes.count - length)...])
            mask(length, bytesOf: UnsafeRawBufferPointer(payload), into: payload, key: maskKey)
        }
        return out
    }

    /// Overwrites the payload bytes at `payloadOffset` (relative to the payload start) with `bytes`,
    /// masked as the frame's key requires.
    package static func patch(
        _ frame: inout ByteBuffer, payloadStart: Int, payloadOffset: Int, with bytes: some Collection<UInt8>,
        maskKey: [UInt8]
    ) {
        var position = payloadOffset
        for byte in bytes {
            frame.setInteger(byte ^ maskKey[position & 3], at: frame.readerIndex + payloadStart + position)
            position += 1
        }
    }
}
