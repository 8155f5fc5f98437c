import NIOCore

/// The frames a session writes in one turn of its event loop, encoded back to back into one buffer (one
/// allocation for the whole batch instead of one per frame) and cut into one slice per WebSocket message when
/// the batch is sent.
struct OutputBatch {
    private var buffer: ByteBuffer
    private var ends: [Int] = []
    private let allocator: ByteBufferAllocator

    init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
        self.buffer = allocator.buffer(capacity: 0)
    }

    /// Bytes encoded and not yet taken.
    var byteCount: Int { buffer.readableBytes }
    /// Whether no frame is waiting.
    var isEmpty: Bool { ends.isEmpty }

    /// Encodes one frame (one WebSocket message) with `write`.
    mutating func frame(_ write: (inout ByteBuffer) -> Void) {
        if buffer.capacity == 0 { buffer.reserveCapacity(4096) }
        write(&buffer)
        ends.append(buffer.writerIndex)
    }

    /// The frames encoded so far, as slices of the batch buffer; the next frame starts a new buffer (the slices
    /// keep the old one alive, and writing into it would copy it).
    mutating func take() -> [ByteBuffer] {
        guard !ends.isEmpty else { return [] }
        var frames: [ByteBuffer] = []
        frames.reserveCapacity(ends.count)
        var start = buffer.readerIndex
        for end in ends {
            if let slice = buffer.getSlice(at: start, length: end - start) { frames.append(slice) }
            start = end
        }
        ends.removeAll(keepingCapacity: true)
        buffer = allocator.buffer(capacity: 0)
        return frames
    }
}
