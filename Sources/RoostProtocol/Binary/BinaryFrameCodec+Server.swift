import NIOCore

extension BinaryFrameCodec {
    private enum OKFlag {
        static let offset: UInt8 = 0x01
        static let timestamp: UInt8 = 0x02
        static let count: UInt8 = 0x04
        static let durable: UInt8 = 0x08
        static let durableTrue: UInt8 = 0x10
        static let sub: UInt8 = 0x20
    }

    private enum BodyFlag {
        static let key: UInt8 = 0x01
        static let headers: UInt8 = 0x02
        static let deliveries: UInt8 = 0x04
    }

    /// Encodes a server frame.
    public func encode(_ frame: ServerFrame, into buffer: inout ByteBuffer) {
        switch frame {
        case .ok(let f):
            buffer.writeInteger(KnownOp.ok.rawValue)
            var flags: UInt8 = 0
            if f.offset != nil { flags |= OKFlag.offset }
            if f.timestamp != nil { flags |= OKFlag.timestamp }
            if f.count != nil { flags |= OKFlag.count }
            if let durable = f.durable { flags |= OKFlag.durable | (durable ? OKFlag.durableTrue : 0) }
            if f.sub != nil { flags |= OKFlag.sub }
            buffer.writeInteger(flags)
            buffer.writeLengthPrefixed(f.id.jsonToken)
            if let offset = f.offset { buffer.writeVarint(signed: offset) }
            if let timestamp = f.timestamp { buffer.writeVarint(signed: timestamp) }
            if let count = f.count { buffer.writeVarint(UInt64(count)) }
            if let sub = f.sub { buffer.writeLengthPrefixed(sub) }
        case .message(let f):
            writeMessageHeader(op: .message, sub: f.sub, into: &buffer)
            writeDeliveryBody(f.message, into: &buffer)
        case .messages(let f):
            writeMessagesHeader(sub: f.sub, into: &buffer)
            for message in f.messages {
                writeDeliveryBody(message, into: &buffer)
            }
        case .caughtUp(let f):
            writeMessageHeader(op: .caughtUp, sub: f.sub, into: &buffer)
            buffer.writeLengthPrefixed(f.topic)
            buffer.writeVarint(signed: f.offset)
        case .error(let f):
            buffer.writeInteger(KnownOp.error.rawValue)
            writeFlaggedID(f.id, flags: 0, into: &buffer)
            buffer.writeLengthPrefixed(f.code.rawValue)
            buffer.writeLengthPrefixed(f.message)
        }
    }

    /// Op, flags 0, sub: the start of `message`, `messages` and `caught_up`. One write into the buffer,
    /// because this runs once per subscriber per delivery.
    /// `tail` (a pre-encoded body) goes into the same write.
    private func writeMessageHeader(
        op: KnownOp, sub: String, tail: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        into buffer: inout ByteBuffer
    ) {
        var sub = sub
        sub.withUTF8 { bytes in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count + 12 + tail.count) { output in
                output[0] = op.rawValue
                output[1] = 0
                var index = 2
                var length = bytes.count
                while length >= 0x80 {
                    output[index] = UInt8(truncatingIfNeeded: length) | 0x80
                    length >>= 7
                    index += 1
                }
                output[index] = UInt8(length)
                index += 1
                UnsafeMutableRawBufferPointer(rebasing: output[index...]).copyMemory(from: UnsafeRawBufferPointer(bytes))
                index += bytes.count
                UnsafeMutableRawBufferPointer(rebasing: output[index...]).copyMemory(from: tail)
                return index + tail.count
            }
        }
    }

    private func writeDeliveryBody(_ message: DeliveredMessage, into buffer: inout ByteBuffer) {
        var flags: UInt8 = 0
        if message.key != nil { flags |= BodyFlag.key }
        if !message.headers.isEmpty { flags |= BodyFlag.headers }
        if message.deliveries > 1 { flags |= BodyFlag.deliveries }
        buffer.writeInteger(flags)
        buffer.writeLengthPrefixed(message.topic)
        buffer.writeVarint(signed: message.offset)
        buffer.writeVarint(signed: message.timestamp)
        if let key = message.key { buffer.writeLengthPrefixed(key) }
        if !message.headers.isEmpty { buffer.writeHeaders(message.headers) }
        if message.deliveries > 1 { buffer.writeVarint(UInt64(message.deliveries)) }
        buffer.writeLengthPrefixed(message.payload)
    }

    /// Encodes the subscriber-independent part of a delivery once.
    public func encodeDelivery(_ message: DeliveredMessage) -> EncodedDelivery {
        var body = ByteBuffer()
        body.reserveCapacity(message.payload.readableBytes + message.topic.utf8.count + 32)
        writeDeliveryBody(message, into: &body)
        return EncodedDelivery(encoding: .binary, body: body)
    }

    /// Encodes deliveries once, bodies back to back, for `messages` frames made of slices of the run.
    public func encodeDeliveryRun(_ messages: [DeliveredMessage]) -> EncodedDeliveryRun {
        EncodedDeliveryRun(encoding: .binary, messages: messages, overhead: 32, prefix: 0, suffix: 0) { message, bytes in
            writeDeliveryBody(message, into: &bytes)
        }
    }

    /// Encodes first deliveries read in place from `source`, bodies back to back, byte for byte as
    /// ``encodeDeliveryRun(_:)-([DeliveredMessage])``: the topic's length prefix is made once for the run.
    public func encodeDeliveryRun(_ source: some DeliveryRunSource) -> EncodedDeliveryRun {
        var topic = ByteBuffer()
        topic.writeLengthPrefixed(source.topic)
        let count = source.count
        let capacity = source.expectedRunBytes(overhead: topic.readableBytes + 32)
        return topic.withUnsafeReadableBytes { topic in
            EncodedDeliveryRun(encoding: .binary, count: count, capacity: capacity, prefix: 0, suffix: 0) { index, bytes in
                let message = source.fields(at: index)
                var flags: UInt8 = 0
                if message.key != nil { flags |= BodyFlag.key }
                if !message.headers.isEmpty { flags |= BodyFlag.headers }
                bytes.writeInteger(flags)
                bytes.writeBytes(topic)
                bytes.writeVarint(signed: message.offset)
                bytes.writeVarint(signed: message.timestamp)
                if let key = message.key { bytes.writeLengthPrefixed(key) }
                if !message.headers.isEmpty { bytes.writeHeaders(message.headers) }
                bytes.writeLengthPrefixed(message.payload)
            }
        }
    }

    /// Writes a complete `message` frame for `sub` around a pre-encoded delivery.
    public func writeMessage(sub: String, _ delivery: EncodedDelivery, into buffer: inout ByteBuffer) {
        assert(delivery.encoding == .binary, "a delivery encoded for another encoding")
        delivery.body.withUnsafeReadableBytes { body in
            writeMessageHeader(op: .message, sub: sub, tail: body, into: &buffer)
        }
    }

    /// Starts a `messages` frame: bodies follow back to back until the end of the frame.
    public func writeMessagesHeader(sub: String, into buffer: inout ByteBuffer) {
        writeMessageHeader(op: .messages, sub: sub, into: &buffer)
    }

    /// Appends one pre-encoded delivery to a `messages` frame.
    public func appendToMessages(_ delivery: EncodedDelivery, isFirst: Bool, into buffer: inout ByteBuffer) {
        assert(delivery.encoding == .binary, "a delivery encoded for another encoding")
        buffer.writeImmutableBuffer(delivery.body)
    }

    /// Nothing: a binary `messages` frame ends where the WebSocket message ends.
    public func writeMessagesTrailer(into buffer: inout ByteBuffer) {}

    /// Decodes a frame a server sent (for the client library). Never traps on any input.
    public func decodeServerFrame(_ buffer: ByteBuffer) throws(ProtocolError) -> ServerFrame {
        try withReader(buffer) { (reader, known, op, id) throws(ProtocolError) -> ServerFrame in
            switch known {
            case .ok?:
                let flags = try reader.flags(allowed: 0x3F)
                let requestID = try reader.requestID()
                id = requestID
                let offset = flags & OKFlag.offset != 0 ? try reader.offset("offset") : nil
                let timestamp = flags & OKFlag.timestamp != 0 ? try reader.signed("timestamp") : nil
                let count = flags & OKFlag.count != 0 ? try reader.uint32("count") : nil
                let durable: Bool? = flags & OKFlag.durable != 0 ? flags & OKFlag.durableTrue != 0 : nil
                let sub = flags & OKFlag.sub != 0 ? try reader.string("sub") : nil
                return .ok(OKFrame(id: requestID, offset: offset, timestamp: timestamp, count: count, durable: durable, sub: sub))
            case .message?:
                _ = try reader.flags(allowed: 0)
                let sub = try reader.string("sub")
                return .message(MessageFrame(sub: sub, message: try readDeliveryBody(&reader)))
            case .messages?:
                _ = try reader.flags(allowed: 0)
                let sub = try reader.string("sub")
                var messages: [DeliveredMessage] = []
                while reader.buffer.readableBytes > 0 {
                    messages.append(try readDeliveryBody(&reader))
                }
                return .messages(MessagesFrame(sub: sub, messages: messages))
            case .caughtUp?:
                _ = try reader.flags(allowed: 0)
                return .caughtUp(CaughtUpFrame(
                    sub: try reader.string("sub"), topic: try reader.string("topic"), offset: try reader.offset("offset")))
            case .error?:
                let flags = try reader.flags(allowed: Flag.id)
                try readOptionalID(&reader, flags: flags, into: &id)
                return .error(ErrorFrame(id: id, code: ErrorCode(rawValue: try reader.string("code")),
                                         message: try reader.string("message")))
            default:
                throw .unknownOp(op)
            }
        }
    }

    private func readDeliveryBody(_ reader: inout BinaryReader) throws(ProtocolError) -> DeliveredMessage {
        let flags = try reader.flags(allowed: BodyFlag.key | BodyFlag.headers | BodyFlag.deliveries)
        let topic = try reader.string("topic")
        let offset = try reader.offset("offset")
        let timestamp = try reader.signed("timestamp")
        let key = flags & BodyFlag.key != 0 ? try reader.bytes("key") : nil
        let headers = flags & BodyFlag.headers != 0 ? try reader.headers() : []
        let deliveries = flags & BodyFlag.deliveries != 0 ? try reader.uint32("deliveries") : 1
        return DeliveredMessage(topic: topic, offset: offset, timestamp: timestamp, key: key, headers: headers,
                                payload: try reader.bytes("data"), deliveries: deliveries)
    }
}
