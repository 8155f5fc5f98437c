import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames encoded back to back, headers included: the session's own buffer (usually one
/// slice of it) and the shared buffers of fan-out frames, in order, for one gathering socket write.
struct FramedBytes {
    /// The frames, ready for the socket, in write order.
    var pieces: [ByteBuffer]
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
///
/// A frame may also carry buffers shared with other sessions (``sharedFrame(prefix:parts:suffix:)``, the fan-out's
/// pre-encoded message runs): they are not copied but written in place, between ranges of the own buffer.
struct OutputBatch {
    private static let reservedHeader = 4
    private static let largestHeader = 10

    private enum Piece {
        case own(Range<Int>)
        case shared(ByteBuffer)
    }

    private var buffer: ByteBuffer
    /// What precedes `buffer[openStart...]` in write order.
    private var pieces: [Piece] = []
    /// Start of the range of `buffer` that is not yet in `pieces` (it runs to the writer index).
    private var openStart = 0
    /// Bytes of `buffer` that are in no piece (header room not needed) and bytes of shared pieces.
    private var skippedBytes = 0
    private var sharedBytes = 0
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
    var byteCount: Int { buffer.readableBytes - skippedBytes + sharedBytes }
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
        writeHeader(length: length, size: header, at: start)
    }

    /// Encodes one frame whose payload is `prefix`'s bytes, then `parts` as they are (shared, not copied), then
    /// `suffix`'s bytes. Prefix and suffix go to the own buffer next to each other; the parts are written between
    /// them.
    mutating func sharedFrame(prefix: (inout ByteBuffer) -> Void, parts: [ByteBuffer], suffix: (inout ByteBuffer) -> Void) {
        if buffer.capacity == 0 { buffer.reserveCapacity(4096) }
        let start = buffer.writerIndex
        buffer.writeRepeatingByte(0, count: Self.largestHeader)
        prefix(&buffer)
        let prefixEnd = buffer.writerIndex
        suffix(&buffer)
        var partBytes = 0
        for part in parts { partBytes += part.readableBytes }
        let length = buffer.writerIndex - start - Self.largestHeader + partBytes
        let header = length < 126 ? 2 : length <= Int(UInt16.max) ? 4 : 10
        let headerStart = start + Self.largestHeader - header
        writeHeader(length: length, size: header, at: headerStart)
        if openStart < start { appendOwn(openStart..<start) }
        appendOwn(headerStart..<prefixEnd)
        for part in parts where part.readableBytes > 0 { pieces.append(.shared(part)) }
        openStart = prefixEnd
        skippedBytes += Self.largestHeader - header
        sharedBytes += partBytes
    }

    /// Adds a range of the own buffer, merged with the previous piece when they touch.
    private mutating func appendOwn(_ range: Range<Int>) {
        if case .own(let last)? = pieces.last, last.upperBound == range.lowerBound {
            pieces[pieces.count - 1] = .own(last.lowerBound..<range.upperBound)
        } else {
            pieces.append(.own(range))
        }
    }

    private mutating func writeHeader(length: Int, size header: Int, at start: Int) {
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
        // The usual turn (no shared frame) is the whole buffer: no piece list is made, and none is kept per
        // connection afterwards (idle connections are counted in bytes).
        let whole = pieces.isEmpty && openStart == 0
        if !whole, openStart < buffer.writerIndex { appendOwn(openStart..<buffer.writerIndex) }
        let taken = FramedBytes(
            pieces: whole ? [buffer] : pieces.map { piece in
                switch piece {
                case .own(let range): buffer.getSlice(at: range.lowerBound, length: range.count) ?? ByteBuffer()
                case .shared(let bytes): bytes
                }
            },
            frames: frames, payloadBytes: payloadBytes)
        frames = 0
        payloadBytes = 0
        pieces = []
        openStart = 0
        skippedBytes = 0
        sharedBytes = 0
        buffer = allocator.buffer(capacity: 0)
        return taken
    }
}
