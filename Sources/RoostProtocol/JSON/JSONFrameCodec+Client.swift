import NIOCore

extension JSONFrameCodec {
    /// Decodes a frame a client sent. Throws a `ProtocolError` carrying the request id when one was readable.
    public func decodeClientFrame(_ buffer: ByteBuffer) throws(ProtocolError) -> ClientFrame {
        try withFields(buffer) { (fields, known, op) throws(ProtocolError) -> ClientFrame in
            switch known {
            case .publish?:
                return .publish(PublishFrame(id: try fields.requestID(), topic: try fields.requiredString("topic"),
                                             entry: try publishEntry(fields)))
            case .publishBatch?:
                return .publishBatch(try publishBatch(fields))
            case .subscribe?:
                return .subscribe(try subscribe(fields))
            case .unsubscribe?:
                return .unsubscribe(UnsubscribeFrame(id: try fields.requestID(), sub: try fields.requiredString("sub")))
            case .ack?:
                return .ack(AckFrame(
                    id: try fields.requestID(), sub: try fields.requiredString("sub"), topic: try fields.string("topic"),
                    offset: try fields.requiredOffset("offset"), cumulative: try fields.bool("cumulative") ?? false))
            case .nack?:
                return .nack(NackFrame(
                    id: try fields.requestID(), sub: try fields.requiredString("sub"), topic: try fields.string("topic"),
                    offset: try fields.requiredOffset("offset"), delayMilliseconds: try fields.uint64("delay_ms")))
            case .credit?:
                guard let n = try fields.uint32("n") else { throw .missing("n") }
                return .credit(CreditFrame(sub: try fields.requiredString("sub"), n: n))
            case .auth?:
                return .auth(AuthFrame(id: try fields.requestID(), token: try fields.requiredString("token")))
            default:
                throw .unknownOp(op)
            }
        }
    }

    private func publishEntry(_ fields: JSONFields) throws(ProtocolError) -> PublishEntry {
        // One pass over the members finds all six fields (a search per field was a third of batch decoding).
        let m = PublishEntryMembers(fields)
        return PublishEntry(
            key: try fields.bytes("key", m.key, orBase64: "key_b64", m.keyBase64), headers: try fields.headers(m.headers),
            dedupID: try fields.string("dedup_id", m.dedupID), payload: try fields.payload(data: m.data, base64: m.dataBase64))
    }

    private func publishBatch(_ fields: JSONFields) throws(ProtocolError) -> PublishBatchFrame {
        guard let list = fields.find("messages") else { throw .missing("messages") }
        guard list.kind == .array else { throw .invalid("messages", "must be an array of messages") }
        let walked = fields.scanner.objectElements(of: list)
        guard !walked.elements.isEmpty else { throw .invalid("messages", "must not be empty") }
        var messages: [PublishEntry] = []
        messages.reserveCapacity(walked.elements.count)
        for (index, element) in walked.elements.enumerated() {
            guard element.kind == .object else { throw .invalid("messages[\(index)]", "must be an object") }
            messages.append(try publishEntry(fields.element(index, of: walked, in: "messages")))
        }
        return PublishBatchFrame(id: try fields.requestID(), topic: try fields.requiredString("topic"), messages: messages)
    }

    private func subscribe(_ fields: JSONFields) throws(ProtocolError) -> SubscribeFrame {
        guard let id = try fields.requestID() else { throw .missing("id") }
        var ack: AckPolicy?
        if let policy = try fields.string("ack") {
            guard let parsed = AckPolicy(rawValue: policy) else { throw .invalid("ack", "must be \"none\" or \"explicit\"") }
            ack = parsed
        }
        return SubscribeFrame(
            id: id, topic: try fields.requiredString("topic"), consumer: try fields.string("consumer"),
            from: try startPosition(fields), ack: ack, maxInflight: try fields.uint32("max_inflight"),
            batch: try fields.uint32("batch"), ackWaitMilliseconds: try fields.uint64("ack_wait_ms"),
            maxDeliveries: try fields.uint32("max_deliveries"))
    }

    private func startPosition(_ fields: JSONFields) throws(ProtocolError) -> StartPosition? {
        guard let value = fields.find("from") else { return nil }
        let expectation = "must be \"earliest\", \"latest\", {\"offset\":N} or {\"time\":ms}"
        switch value.kind {
        case .string:
            switch fields.scanner.decodeString(value) {
            case "earliest": return .earliest
            case "latest": return .latest
            default: throw .invalid("from", expectation)
            }
        case .object:
            let inner = fields.object(value, path: .init(parent: "from"))
            if let offset = try inner.offset("offset") { return .offset(offset) }
            if let time = try inner.integer("time", in: Int64.min...Int64.max) { return .time(time) }
            throw .invalid("from", expectation)
        default:
            throw .invalid("from", expectation)
        }
    }

    /// Encodes a client frame (for the client library).
    public func encode(_ frame: ClientFrame, into buffer: inout ByteBuffer) {
        switch frame {
        case .publish(let f):
            buffer.writeStaticString("{\"op\":\"publish\"")
            writeID(f.id, into: &buffer)
            writeString(",\"topic\":", f.topic, into: &buffer)
            writeEntry(f.entry, into: &buffer)
            buffer.writeStaticString("}")
        case .publishBatch(let f):
            buffer.writeStaticString("{\"op\":\"publish_batch\"")
            writeID(f.id, into: &buffer)
            writeString(",\"topic\":", f.topic, into: &buffer)
            buffer.writeStaticString(",\"messages\":[")
            for (index, entry) in f.messages.enumerated() {
                if index > 0 { buffer.writeStaticString(",") }
                // The entry starts with a comma (its first field is never first in `publish`): turn it into the brace.
                let objectStart = buffer.writerIndex
                writeEntry(entry, into: &buffer)
                buffer.setInteger(UInt8(ascii: "{"), at: objectStart)
                buffer.writeStaticString("}")
            }
            buffer.writeStaticString("]}")
        case .subscribe(let f):
            encodeSubscribe(f, into: &buffer)
        case .unsubscribe(let f):
            buffer.writeStaticString("{\"op\":\"unsubscribe\"")
            writeID(f.id, into: &buffer)
            writeString(",\"sub\":", f.sub, into: &buffer)
            buffer.writeStaticString("}")
        case .ack(let f):
            buffer.writeStaticString("{\"op\":\"ack\"")
            writeID(f.id, into: &buffer)
            writeString(",\"sub\":", f.sub, into: &buffer)
            if let topic = f.topic { writeString(",\"topic\":", topic, into: &buffer) }
            writeInteger(",\"offset\":", f.offset, into: &buffer)
            if f.cumulative { buffer.writeStaticString(",\"cumulative\":true") }
            buffer.writeStaticString("}")
        case .nack(let f):
            buffer.writeStaticString("{\"op\":\"nack\"")
            writeID(f.id, into: &buffer)
            writeString(",\"sub\":", f.sub, into: &buffer)
            if let topic = f.topic { writeString(",\"topic\":", topic, into: &buffer) }
            writeInteger(",\"offset\":", f.offset, into: &buffer)
            if let delay = f.delayMilliseconds { writeInteger(",\"delay_ms\":", delay, into: &buffer) }
            buffer.writeStaticString("}")
        case .credit(let f):
            buffer.writeStaticString("{\"op\":\"credit\"")
            writeString(",\"sub\":", f.sub, into: &buffer)
            writeInteger(",\"n\":", UInt64(f.n), into: &buffer)
            buffer.writeStaticString("}")
        case .auth(let f):
            buffer.writeStaticString("{\"op\":\"auth\"")
            writeID(f.id, into: &buffer)
            writeString(",\"token\":", f.token, into: &buffer)
            buffer.writeStaticString("}")
        }
    }

    private func encodeSubscribe(_ f: SubscribeFrame, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"op\":\"subscribe\"")
        writeID(f.id, into: &buffer)
        writeString(",\"topic\":", f.topic, into: &buffer)
        if let consumer = f.consumer { writeString(",\"consumer\":", consumer, into: &buffer) }
        switch f.from {
        case nil: break
        case .earliest: buffer.writeStaticString(",\"from\":\"earliest\"")
        case .latest: buffer.writeStaticString(",\"from\":\"latest\"")
        case .offset(let offset):
            buffer.writeStaticString(",\"from\":{\"offset\":")
            JSONOutput.writeDecimal(offset, into: &buffer)
            buffer.writeStaticString("}")
        case .time(let time):
            buffer.writeStaticString(",\"from\":{\"time\":")
            JSONOutput.writeDecimal(time, into: &buffer)
            buffer.writeStaticString("}")
        }
        if let ack = f.ack { writeString(",\"ack\":", ack.rawValue, into: &buffer) }
        if let value = f.maxInflight { writeInteger(",\"max_inflight\":", UInt64(value), into: &buffer) }
        if let value = f.batch { writeInteger(",\"batch\":", UInt64(value), into: &buffer) }
        if let value = f.ackWaitMilliseconds { writeInteger(",\"ack_wait_ms\":", value, into: &buffer) }
        if let value = f.maxDeliveries { writeInteger(",\"max_deliveries\":", UInt64(value), into: &buffer) }
        buffer.writeStaticString("}")
    }

    /// Key, headers, dedup id and payload, each with a leading comma.
    private func writeEntry(_ entry: PublishEntry, into buffer: inout ByteBuffer) {
        if let key = entry.key { writeBytes(",\"key\":", orBase64: ",\"key_b64\":", key, into: &buffer) }
        writeHeaders(entry.headers, into: &buffer)
        if let dedupID = entry.dedupID { writeString(",\"dedup_id\":", dedupID, into: &buffer) }
        writePayload(entry.payload, into: &buffer)
    }
}
