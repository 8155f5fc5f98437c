import NIOCore

/// One encoding of wire protocol v1. Both directions are here: the server decodes client frames and
/// encodes server frames; the client library does the reverse.
///
/// Implementations are immutable values, safe to share across event loops.
public protocol FrameCodec: Sendable {
    /// Which encoding this is.
    var encoding: WireEncoding { get }

    /// Decodes one complete WebSocket message from a client. Never traps on any input; throws a
    /// `ProtocolError` with a stable code (and the request id when one was readable).
    func decodeClientFrame(_ buffer: ByteBuffer) throws(ProtocolError) -> ClientFrame

    /// Appends one server frame to `buffer` (one WebSocket message).
    func encode(_ frame: ServerFrame, into buffer: inout ByteBuffer)

    /// Decodes one complete WebSocket message from a server. Never traps on any input.
    func decodeServerFrame(_ buffer: ByteBuffer) throws(ProtocolError) -> ServerFrame

    /// Appends one client frame to `buffer` (one WebSocket message).
    func encode(_ frame: ClientFrame, into buffer: inout ByteBuffer)

    /// Encodes everything in a delivery that does not depend on the subscription, once per message,
    /// so that fan-out to N subscribers copies bytes instead of encoding N times.
    func encodeDelivery(_ message: DeliveredMessage) -> EncodedDelivery

    /// Encodes consecutive deliveries once into one shared buffer, for `messages` frames built from slices of it
    /// (``EncodedDeliveryRun``): what a fan-out writes to every subscriber without copying.
    func encodeDeliveryRun(_ messages: [DeliveredMessage]) -> EncodedDeliveryRun

    /// Like ``encodeDeliveryRun(_:)-([DeliveredMessage])``, byte for byte, reading first deliveries of one topic in place
    /// from `source`: the topic is encoded once per run and no ``DeliveredMessage`` is built per message.
    func encodeDeliveryRun(_ source: some DeliveryRunSource) -> EncodedDeliveryRun

    /// Appends a complete `message` frame for `sub` built around `delivery` (which must come from this
    /// encoding's `encodeDelivery`). Byte-identical to `encode(.message(...))`.
    func writeMessage(sub: String, _ delivery: EncodedDelivery, into buffer: inout ByteBuffer)

    /// Starts a `messages` frame for `sub`.
    func writeMessagesHeader(sub: String, into buffer: inout ByteBuffer)

    /// Appends one pre-encoded delivery to the `messages` frame being written; `isFirst` for the first.
    func appendToMessages(_ delivery: EncodedDelivery, isFirst: Bool, into buffer: inout ByteBuffer)

    /// Ends the `messages` frame. Header, appends and trailer are byte-identical to `encode(.messages(...))`.
    func writeMessagesTrailer(into buffer: inout ByteBuffer)
}
