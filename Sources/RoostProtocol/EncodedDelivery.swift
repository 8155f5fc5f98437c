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

    /// The size in bytes, for accounting outbound buffer limits.
    public var byteCount: Int { body.readableBytes }

    /// Rewraps a body made earlier by `FrameCodec.encodeDelivery` of `encoding` and kept aside (for example in
    /// the broker's per-message encoding cache). A body from anywhere else gives an invalid frame.
    public init(encoding: WireEncoding, body: ByteBuffer) {
        self.encoding = encoding
        self.body = body
    }
}
