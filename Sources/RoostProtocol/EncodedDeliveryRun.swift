import NIOCore

/// Consecutive deliveries encoded once into one buffer, for `messages` frames that share it: any subrange of the
/// run is one slice of `bytes` (no copy), so a fan-out to N subscribers writes the same bytes N times from one
/// buffer (one `writev` entry per slice) instead of copying every message into every subscriber's frame.
///
/// Layout: element after element, each as it stands inside a `messages` frame. JSON: `{<body>},` (the body as in
/// ``EncodedDelivery``, the trailing comma included, so slices join without a separator); binary: the message
/// bodies back to back. A frame is ``FrameCodec/writeMessagesHeader(sub:into:)``, then slices from
/// ``messagesPart(_:endsFrame:)`` (the last with `endsFrame`), then ``FrameCodec/writeMessagesTrailer(into:)``:
/// byte-identical to `encode(.messages(...))`.
public struct EncodedDeliveryRun: Sendable {
    /// The encoding the bytes are in; only a codec of that encoding may frame them.
    public let encoding: WireEncoding
    private let bytes: ByteBuffer
    /// Start of each element in `bytes`, then the end of the last one.
    private let bounds: [Int]
    /// Bytes around each body in the layout: JSON `{` and `,`; binary none.
    private let prefix: Int
    private let suffix: Int

    /// How many deliveries the run holds.
    public var count: Int { bounds.count - 1 }

    /// Size in bytes of the whole run.
    public var byteCount: Int { bytes.readableBytes }

    /// Encodes `messages` with `write`, which appends one element (`prefix` bytes, the body, `suffix` bytes);
    /// `overhead` is the expected size of an element beyond its payload and topic, for one allocation.
    init(
        encoding: WireEncoding, messages: [DeliveredMessage], overhead: Int, prefix: Int, suffix: Int,
        write: (DeliveredMessage, inout ByteBuffer) -> Void
    ) {
        let capacity = messages.reduce(0) { $0 + $1.payload.readableBytes + $1.topic.utf8.count + overhead }
        self.init(encoding: encoding, count: messages.count, capacity: capacity, prefix: prefix, suffix: suffix) { index, bytes in
            write(messages[index], &bytes)
        }
    }

    /// Encodes `count` elements with `write`, which appends element `index` (`prefix` bytes, the body, `suffix`
    /// bytes) to the run's buffer, made with room for `capacity` bytes.
    init(encoding: WireEncoding, count: Int, capacity: Int, prefix: Int, suffix: Int, write: (Int, inout ByteBuffer) -> Void) {
        var bytes = ByteBuffer()
        bytes.reserveCapacity(capacity)
        var bounds: [Int] = []
        bounds.reserveCapacity(count + 1)
        for index in 0..<count {
            bounds.append(bytes.writerIndex)
            write(index, &bytes)
        }
        bounds.append(bytes.writerIndex)
        self.encoding = encoding
        self.bytes = bytes
        self.bounds = bounds
        self.prefix = prefix
        self.suffix = suffix
    }

    /// Elements `range` (indexes into the run) as they go into a `messages` frame: a slice, no copy. `endsFrame`
    /// for the last part of a frame (JSON: without its trailing comma).
    public func messagesPart(_ range: Range<Int>, endsFrame: Bool) -> ByteBuffer {
        let start = bounds[range.lowerBound]
        let end = bounds[range.upperBound] - (endsFrame ? suffix : 0)
        return bytes.getSlice(at: bytes.readerIndex + start, length: end - start) ?? ByteBuffer()
    }

    /// Element `index` alone, for a `message` frame (``FrameCodec/writeMessage(sub:_:into:)``).
    public func delivery(at index: Int) -> EncodedDelivery {
        let start = bounds[index] + prefix
        let end = bounds[index + 1] - suffix
        return EncodedDelivery(encoding: encoding, body: bytes.getSlice(at: bytes.readerIndex + start, length: end - start) ?? ByteBuffer())
    }
}
