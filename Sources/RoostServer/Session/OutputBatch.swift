import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames encoded back to back, headers included: one buffer and one socket write for
/// a whole batch.
struct FramedBytes {
    /// The frames, ready for the socket.
    var bytes: ByteBuffer
    /// How many frames (messages) `bytes` holds.
    var frames: Int
    /// Their payload bytes, headers excluded.
    var payloadBytes: Int
}

/// The frames a session writes in one turn of its event loop, each encoded with its WebSocket header into one
/// buffer, so that a batch costs one allocation and one write instead of a header buffer and a write per frame
/// (what NIO's `WebSocketFrameEncoder` does for frames that share a buffer).
///
/// Server frames are unmasked and unfragmented: a 2, 4 or 10-byte header, then the payload. The header's size is
/// known only after the payload is encoded, so 4 bytes (the size for payloads of 126...65,535 bytes) are
/// reserved first and the payload moves by a few bytes when the header turns out shorter or longer.
struct OutputBatch {
    private static let reservedHeader = 4

    private var buffer: ByteBuffer
    private var frames = 0
    private var payloadBytes = 0
    private let allocator: ByteBufferAllocator
    private let firstByte: UInt8

    /// - Parameter opcode: the data opcode of every frame (text or binary).
    init(allocator: ByteBufferAllocator, opcode: WebSocketOpcode) {
        self.allocator = allocator
        self.buffer = allocator.buffer(capacity: 0)
        self.firstByte = 0x80 | UInt8(webSocketOpcode: opcode)
    }

    /// Bytes encoded and not yet taken, headers included.
    var byteCount: Int { buffer.readableBytes }
    /// Whether no frame is waiting.
    var isEmpty: Bool { frames == 0 }

    /// Encodes one frame (one WebSocket message) with `write`, which appends the payload to the buffer.
    mutating func frame(_ write: (inout ByteBuffer) -> Void) {
        if buffer.capacity == 0 { buffer.reserveCapacity(4096) }
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        write(&buffer)
        let length = buffer.writerIndex - start - Self.reservedHeader
        let header = length < 126 ? 2 : length <= Int(UInt16.max) ? 4 : 10
        if header != Self.reservedHeader {
            if header > Self.reservedHeader { buffer.writeRepeatingByte(0, count: header - Self.reservedHeader) }
            buffer.withVeryUnsafeMutableBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                (base + start + header).copyMemory(from: base + start + Self.reservedHeader, byteCount: length)
            }
            buffer.moveWriterIndex(to: start + header + length)
        }
        buffer.setInteger(firstByte, at: start)
        switch header {
        case 2:
            buffer.setInteger(UInt8(length), at: start + 1)
        case 4:
            buffer.setInteger(UInt8(126), at: start + 1)
            buffer.setInteger(UInt16(length), at: start + 2)
        default:
            buffer.setInteger(UInt8(127), at: start + 1)
            buffer.setInteger(UInt64(length), at: start + 2)
        }
        frames += 1
        payloadBytes += length
    }

    /// The frames encoded so far, or `nil` when none; the next frame starts a new buffer (the socket holds the
    /// old one until written, and writing into it would copy it).
    mutating func take() -> FramedBytes? {
        guard frames > 0 else { return nil }
        let taken = FramedBytes(bytes: buffer, frames: frames, payloadBytes: payloadBytes)
        frames = 0
        payloadBytes = 0
        buffer = allocator.buffer(capacity: 0)
        return taken
    }
}
