import NIOCore

extension JSONFrameCodec {
    /// Encodes a server frame.
    public func encode(_ frame: ServerFrame, into buffer: inout ByteBuffer) {
        switch frame {
        case .ok(let f):
            buffer.writeStaticString("{\"op\":\"ok\"")
            writeID(f.id, into: &buffer)
            if let offset = f.offset { writeInteger(",\"offset\":", offset, into: &buffer) }
            if let timestamp = f.timestamp { writeInteger(",\"timestamp\":", timestamp, into: &buffer) }
            if let count = f.count { writeInteger(",\"count\":", UInt64(count), into: &buffer) }
            if let durable = f.durable, f.sub == nil {
                // The usual publish confirm: the flag and the closing brace in one write.
                buffer.writeStaticString(durable ? ",\"durable\":true}" : ",\"durable\":false}")
            } else {
                if let durable = f.durable { buffer.writeStaticString(durable ? ",\"durable\":true" : ",\"durable\":false") }
                if let sub = f.sub { writeString(",\"sub\":", sub, into: &buffer) }
                buffer.writeStaticString("}")
            }
        case .message(let f):
            writeMessageHeader(sub: f.sub, into: &buffer)
            writeDeliveryBody(f.message, into: &buffer)
        case .messages(let f):
            writeMessagesHeader(sub: f.sub, into: &buffer)
            for (index, message) in f.messages.enumerated() {
                buffer.writeStaticString(index == 0 ? "{" : ",{")
                writeDeliveryBody(message, into: &buffer)
            }
            writeMessagesTrailer(into: &buffer)
        case .caughtUp(let f):
            buffer.writeStaticString("{\"op\":\"caught_up\"")
            writeString(",\"sub\":", f.sub, into: &buffer)
            writeString(",\"topic\":", f.topic, into: &buffer)
            writeInteger(",\"offset\":", f.offset, into: &buffer)
            buffer.writeStaticString("}")
        case .error(let f):
            buffer.writeStaticString("{\"op\":\"error\"")
            writeID(f.id, into: &buffer)
            writeString(",\"code\":", f.code.rawValue, into: &buffer)
            writeString(",\"message\":", f.message, into: &buffer)
            buffer.writeStaticString("}")
        }
    }

    /// The shared part of a delivery: `"topic":...,...,"data":...}` (object closed, opening brace left to
    /// the frame or batch element).
    private func writeDeliveryBody(_ message: DeliveredMessage, into buffer: inout ByteBuffer) {
        JSONOutput.writeQuoted(prefix: "\"topic\":", message.topic, suffix: "", into: &buffer)
        writeInteger(",\"offset\":", message.offset, into: &buffer)
        writeInteger(",\"timestamp\":", message.timestamp, into: &buffer)
        if let key = message.key { writeBytes(",\"key\":", orBase64: ",\"key_b64\":", key, into: &buffer) }
        writeHeaders(message.headers, into: &buffer)
        if message.deliveries > 1 { writeInteger(",\"deliveries\":", UInt64(message.deliveries), into: &buffer) }
        writePayload(message.payload, suffix: "}", into: &buffer)
    }

    private func writeMessageHeader(sub: String, into buffer: inout ByteBuffer) {
        JSONOutput.writeQuoted(prefix: "{\"op\":\"message\",\"sub\":", sub, suffix: ",", into: &buffer)
    }

    /// Encodes the subscriber-independent part of a delivery once.
    public func encodeDelivery(_ message: DeliveredMessage) -> EncodedDelivery {
        var body = ByteBuffer()
        body.reserveCapacity(message.payload.readableBytes + message.topic.utf8.count + 64)
        writeDeliveryBody(message, into: &body)
        return EncodedDelivery(encoding: .json, body: body)
    }

    /// Encodes deliveries once as `{<body>},` each, for `messages` frames made of slices of the run.
    public func encodeDeliveryRun(_ messages: [DeliveredMessage]) -> EncodedDeliveryRun {
        EncodedDeliveryRun(encoding: .json, messages: messages, overhead: 72, prefix: 1, suffix: 1) { message, bytes in
            bytes.writeStaticString("{")
            writeDeliveryBody(message, into: &bytes)
            bytes.writeStaticString(",")
        }
    }

    /// Encodes first deliveries read in place from `source` as `{<body>},` each, byte for byte as
    /// ``encodeDeliveryRun(_:)-([DeliveredMessage])``: the topic is quoted once for the run, not once per message.
    public func encodeDeliveryRun(_ source: some DeliveryRunSource) -> EncodedDeliveryRun {
        var topic = ByteBuffer()
        JSONOutput.writeQuoted(prefix: "{\"topic\":", source.topic, suffix: "", into: &topic)
        let count = source.count
        let capacity = source.expectedRunBytes(overhead: topic.readableBytes + 64)
        // The messages of one append share their timestamp: its field is made once and copied after that, in the
        // same write as the topic and the offset.
        var timestamp = (value: Int64.min, field: ByteBuffer())
        return topic.withUnsafeReadableBytes { topic in
            EncodedDeliveryRun(encoding: .json, count: count, capacity: capacity, prefix: 1, suffix: 1) { index, bytes in
                let message = source.fields(at: index)
                if message.timestamp != timestamp.value {
                    timestamp.value = message.timestamp
                    timestamp.field.clear()
                    writeInteger(",\"timestamp\":", message.timestamp, into: &timestamp.field)
                }
                timestamp.field.withUnsafeReadableBytes { field in
                    JSONOutput.writeRaw(topic, prefix: ",\"offset\":", message.offset, field, into: &bytes)
                }
                if let key = message.key { writeBytes(",\"key\":", orBase64: ",\"key_b64\":", key, into: &bytes) }
                writeHeaders(message.headers, into: &bytes)
                writePayload(message.payload, suffix: "},", into: &bytes)
            }
        }
    }

    /// Writes a complete `message` frame for `sub` around a pre-encoded delivery.
    public func writeMessage(sub: String, _ delivery: EncodedDelivery, into buffer: inout ByteBuffer) {
        assert(delivery.encoding == .json, "a delivery encoded for another encoding")
        // Header and shared body in one write: this runs once per subscriber per delivery.
        delivery.body.withUnsafeReadableBytes { body in
            JSONOutput.writeQuoted(prefix: "{\"op\":\"message\",\"sub\":", sub, suffix: ",", tail: body, into: &buffer)
        }
    }

    /// Starts a `messages` frame for `sub`; follow with `appendToMessages` and `writeMessagesTrailer`.
    public func writeMessagesHeader(sub: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"op\":\"messages\"")
        writeString(",\"sub\":", sub, into: &buffer)
        buffer.writeStaticString(",\"messages\":[")
    }

    /// Appends one pre-encoded delivery to a `messages` frame; `isFirst` for the first one.
    public func appendToMessages(_ delivery: EncodedDelivery, isFirst: Bool, into buffer: inout ByteBuffer) {
        assert(delivery.encoding == .json, "a delivery encoded for another encoding")
        delivery.body.withUnsafeReadableBytes { body in
            JSONOutput.writeRaw(prefix: isFirst ? "{" : ",{", body, suffix: "", into: &buffer)
        }
    }

    /// Ends a `messages` frame.
    public func writeMessagesTrailer(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("]}")
    }

    /// Decodes a frame a server sent (for the client library).
    public func decodeServerFrame(_ buffer: ByteBuffer) throws(ProtocolError) -> ServerFrame {
        try withFields(buffer) { (fields, known, op) throws(ProtocolError) -> ServerFrame in
            switch known {
            case .ok?:
                guard let id = try fields.requestID() else { throw .missing("id") }
                return .ok(OKFrame(
                    id: id, offset: try fields.offset("offset"), timestamp: try fields.integer("timestamp", in: Int64.min...Int64.max),
                    count: try fields.uint32("count"), durable: try fields.bool("durable"), sub: try fields.string("sub")))
            case .message?:
                return .message(MessageFrame(sub: try fields.requiredString("sub"), message: try deliveredMessage(fields)))
            case .messages?:
                guard let list = fields.find("messages") else { throw .missing("messages") }
                guard list.kind == .array else { throw .invalid("messages", "must be an array of messages") }
                let walked = fields.scanner.objectElements(of: list)
                var messages: [DeliveredMessage] = []
                messages.reserveCapacity(walked.elements.count)
                for (index, element) in walked.elements.enumerated() {
                    guard element.kind == .object else { throw .invalid("messages[\(index)]", "must be an object") }
                    messages.append(try deliveredMessage(fields.element(index, of: walked, in: "messages")))
                }
                return .messages(MessagesFrame(sub: try fields.requiredString("sub"), messages: messages))
            case .caughtUp?:
                return .caughtUp(CaughtUpFrame(
                    sub: try fields.requiredString("sub"), topic: try fields.requiredString("topic"),
                    offset: try fields.requiredOffset("offset")))
            case .error?:
                guard let code = try fields.string("code") else { throw .missing("code") }
                return .error(ErrorFrame(id: try fields.requestID(), code: ErrorCode(rawValue: code),
                                         message: try fields.string("message") ?? ""))
            default:
                throw .unknownOp(op)
            }
        }
    }

    private func deliveredMessage(_ fields: JSONFields) throws(ProtocolError) -> DeliveredMessage {
        guard let timestamp = try fields.integer("timestamp", in: Int64.min...Int64.max) else {
            throw .missing(fields.name("timestamp"))
        }
        return DeliveredMessage(
            topic: try fields.requiredString("topic"), offset: try fields.requiredOffset("offset"), timestamp: timestamp,
            key: try fields.bytes("key", orBase64: "key_b64"), headers: try fields.headers(), payload: try fields.payload(),
            deliveries: try fields.uint32("deliveries") ?? 1)
    }
}
