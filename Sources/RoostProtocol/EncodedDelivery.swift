import NIOCore

/// The subscriber-independent bytes of a delivery (topic, offset, timestamp, key, headers, deliveries,
/// payload) in one encoding, made once per message by `FrameCodec.encodeDelivery` and copied into every
/// subscriber's `message` or `messages` frame.
///
/// Caching: the bytes depend on the message and the encoding, and on `deliveries`, which is per consumer.
/// A cache keyed by (message, encoding) is right for first deliveries (`deliveries == 1`, by far the most);
/// a redelivery encodes its own.
public struct EncodedDelivery: Sendable, Equatable {
    /// The encoding the body is in; only a codec of that encoding may use it.
    public let encoding: WireEncoding
    /// The encoded body. JSON: `"topic":...,"data":...}`; binary: the message body layout.
    public let body: ByteBuffer

    /// Rewraps a body kept from an earlier `encodeDelivery` of the same encoding (for example in a
    /// per-message cache that stores plain `ByteBuffer`s). Any other bytes make malformed frames.
    public init(encoding: WireEncoding, body: ByteBuffer) {
        self.encoding = encoding
        self.body = body
    }

    /// The size in bytes, for accounting outbound buffer limits.
    public var byteCount: Int { body.readableBytes }
}
