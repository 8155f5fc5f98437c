import NIOCore

extension BinaryFrameCodec {
    private enum SubscribeFlag {
        static let consumer: UInt8 = 0x01
        static let from: UInt8 = 0x02
        static let ack: UInt8 = 0x04
        static let maxInflight: UInt8 = 0x08
        static let batch: UInt8 = 0x10
        static let ackWait: UInt8 = 0x20
        static let maxDeliveries: UInt8 = 0x40
        static let credit: UInt8 = 0x80
    }

    private enum AckFlag {
        static let topic: UInt8 = 0x02
        static let cumulativeOrDelay: UInt8 = 0x04
    }

    /// Decodes a frame a client sent. Never traps on any input.
    public func decodeClientFrame(_ buffer: ByteBuffer) throws(ProtocolError) -> ClientFrame {
        try withReader(buffer) { (reader, known, op, id) throws(ProtocolError) -> ClientFrame in
            switch known {
            case .publish?:
                let flags = try reader.flags(allowed: Flag.id | Flag.key | Flag.headers | Flag.dedupID)
                try readOptionalID(&reader, flags: flags, into: &id)
                let topic = try reader.string("topic")
                return .publish(PublishFrame(id: id, topic: topic, entry: try readEntry(&reader, flags: flags)))
            case .publishBatch?:
                let flags = try reader.flags(allowed: Flag.id)
                try readOptionalID(&reader, flags: flags, into: &id)
                let topic = try reader.string("topic")
                let count = try reader.varint("messages")
                // An entry takes at least two bytes (flags, empty payload length).
                guard count >= 1, count <= UInt64(reader.buffer.readableBytes / 2) else {
                    throw ProtocolError(code: .malformedFrame, field: "messages",
                                        message: "message count \(count) is zero or exceeds the frame")
                }
                var messages: [PublishEntry] = []
                messages.reserveCapacity(Int(count))
                for _ in 0..<count {
                    let entryFlags = try reader.flags(allowed: Flag.key | Flag.headers | Flag.dedupID)
                    messages.append(try readEntry(&reader, flags: entryFlags))
                }
                return .publishBatch(PublishBatchFrame(id: id, topic: topic, messages: messages))
            case .subscribe?:
                return .subscribe(try readSubscribe(&reader, id: &id))
            case .unsubscribe?:
                let flags = try reader.flags(allowed: Flag.id)
                try readOptionalID(&reader, flags: flags, into: &id)
                return .unsubscribe(UnsubscribeFrame(id: id, sub: try reader.string("sub")))
            case .ack?, .nack?:
                let flags = try reader.flags(allowed: Flag.id | AckFlag.topic | AckFlag.cumulativeOrDelay)
                try readOptionalID(&reader, flags: flags, into: &id)
                let sub = try reader.string("sub")
                let topic = flags & AckFlag.topic != 0 ? try reader.string("topic") : nil
                let offset = try reader.offset("offset")
                if known == .ack {
                    return .ack(AckFrame(id: id, sub: sub, topic: topic, offset: offset,
                                         cumulative: flags & AckFlag.cumulativeOrDelay != 0))
                }
                let delay = flags & AckFlag.cumulativeOrDelay != 0 ? try reader.offset("delay_ms") : nil
                return .nack(NackFrame(id: id, sub: sub, topic: topic, offset: offset, delayMilliseconds: delay.map { UInt64($0) }))
            case .credit?:
                _ = try reader.flags(allowed: 0)
                return .credit(CreditFrame(sub: try reader.string("sub"), n: try reader.uint32("n")))
            case .auth?:
                let flags = try reader.flags(allowed: Flag.id)
                try readOptionalID(&reader, flags: flags, into: &id)
                return .auth(AuthFrame(id: id, token: try reader.string("token")))
            default:
                throw .unknownOp(op)
            }
        }
    }

    private func readSubscribe(_ reader: inout BinaryReader, id: inout RequestID?) throws(ProtocolError) -> SubscribeFrame {
        let flags = try reader.flags(allowed: 0xFF)
        let requestID = try reader.requestID()
        id = requestID
        let topic = try reader.string("topic")
        let consumer = flags & SubscribeFlag.consumer != 0 ? try reader.string("consumer") : nil
        var from: StartPosition?
        if flags & SubscribeFlag.from != 0 {
            switch try reader.byte("from") {
            case 0: from = .earliest
            case 1: from = .latest
            case 2: from = .offset(try reader.offset("from.offset"))
            case 3: from = .time(try reader.signed("from.time"))
            default: throw .invalid("from", "kind must be 0 (earliest), 1 (latest), 2 (offset) or 3 (time)")
            }
        }
        var ack: AckPolicy?
        if flags & SubscribeFlag.ack != 0 {
            switch try reader.byte("ack") {
            case 0: ack = AckPolicy.none
            case 1: ack = .explicit
            default: throw .invalid("ack", "must be 0 (none) or 1 (explicit)")
            }
        }
        let maxInflight = flags & SubscribeFlag.maxInflight != 0 ? try reader.uint32("max_inflight") : nil
        let batch = flags & SubscribeFlag.batch != 0 ? try reader.uint32("batch") : nil
        let ackWait = flags & SubscribeFlag.ackWait != 0 ? try reader.offset("ack_wait_ms") : nil
        let maxDeliveries = flags & SubscribeFlag.maxDeliveries != 0 ? try reader.uint32("max_deliveries") : nil
        let credit = flags & SubscribeFlag.credit != 0 ? try reader.uint32("credit") : nil
        return SubscribeFrame(
            id: requestID, topic: topic, consumer: consumer, from: from, ack: ack, maxInflight: maxInflight,
            batch: batch, ackWaitMilliseconds: ackWait.map { UInt64($0) }, maxDeliveries: maxDeliveries, credit: credit)
    }

    /// Encodes a client frame (for the client library).
    public func encode(_ frame: ClientFrame, into buffer: inout ByteBuffer) {
        buffer.writeInteger(frame.knownOp.rawValue)
        switch frame {
        case .publish(let f):
            writeFlaggedID(f.id, flags: entryFlags(f.entry), into: &buffer)
            buffer.writeLengthPrefixed(f.topic)
            writeEntryFields(f.entry, into: &buffer)
        case .publishBatch(let f):
            writeFlaggedID(f.id, flags: 0, into: &buffer)
            buffer.writeLengthPrefixed(f.topic)
            buffer.writeVarint(UInt64(f.messages.count))
            for entry in f.messages {
                buffer.writeInteger(entryFlags(entry))
                writeEntryFields(entry, into: &buffer)
            }
        case .subscribe(let f):
            writeSubscribe(f, into: &buffer)
        case .unsubscribe(let f):
            writeFlaggedID(f.id, flags: 0, into: &buffer)
            buffer.writeLengthPrefixed(f.sub)
        case .ack(let f):
            writeAckLike(id: f.id, sub: f.sub, topic: f.topic, offset: f.offset,
                         extra: f.cumulative ? 0 : nil, into: &buffer)
        case .nack(let f):
            writeAckLike(id: f.id, sub: f.sub, topic: f.topic, offset: f.offset, extra: f.delayMilliseconds, into: &buffer)
            if let delay = f.delayMilliseconds { buffer.writeVarint(delay) }
        case .credit(let f):
            buffer.writeInteger(UInt8(0))
            buffer.writeLengthPrefixed(f.sub)
            buffer.writeVarint(UInt64(f.n))
        case .auth(let f):
            writeFlaggedID(f.id, flags: 0, into: &buffer)
            buffer.writeLengthPrefixed(f.token)
        }
    }

    /// Ack and nack share flags and fields; `extra` non-nil sets bit 2 (cumulative / delay present).
    private func writeAckLike(
        id: RequestID?, sub: String, topic: String?, offset: Int64, extra: UInt64?, into buffer: inout ByteBuffer
    ) {
        let flags = (topic == nil ? 0 : AckFlag.topic) | (extra == nil ? 0 : AckFlag.cumulativeOrDelay)
        writeFlaggedID(id, flags: flags, into: &buffer)
        buffer.writeLengthPrefixed(sub)
        if let topic { buffer.writeLengthPrefixed(topic) }
        buffer.writeVarint(signed: offset)
    }

    private func writeSubscribe(_ f: SubscribeFrame, into buffer: inout ByteBuffer) {
        var flags: UInt8 = 0
        if f.consumer != nil { flags |= SubscribeFlag.consumer }
        if f.from != nil { flags |= SubscribeFlag.from }
        if f.ack != nil { flags |= SubscribeFlag.ack }
        if f.maxInflight != nil { flags |= SubscribeFlag.maxInflight }
        if f.batch != nil { flags |= SubscribeFlag.batch }
        if f.ackWaitMilliseconds != nil { flags |= SubscribeFlag.ackWait }
        if f.maxDeliveries != nil { flags |= SubscribeFlag.maxDeliveries }
        if f.credit != nil { flags |= SubscribeFlag.credit }
        buffer.writeInteger(flags)
        buffer.writeLengthPrefixed(f.id.jsonToken)
        buffer.writeLengthPrefixed(f.topic)
        if let consumer = f.consumer { buffer.writeLengthPrefixed(consumer) }
        switch f.from {
        case nil: break
        case .earliest: buffer.writeInteger(UInt8(0))
        case .latest: buffer.writeInteger(UInt8(1))
        case .offset(let offset):
            buffer.writeInteger(UInt8(2))
            buffer.writeVarint(signed: offset)
        case .time(let time):
            buffer.writeInteger(UInt8(3))
            buffer.writeVarint(signed: time)
        }
        if let ack = f.ack { buffer.writeInteger(ack == .explicit ? UInt8(1) : UInt8(0)) }
        if let value = f.maxInflight { buffer.writeVarint(UInt64(value)) }
        if let value = f.batch { buffer.writeVarint(UInt64(value)) }
        if let value = f.ackWaitMilliseconds { buffer.writeVarint(value) }
        if let value = f.maxDeliveries { buffer.writeVarint(UInt64(value)) }
        if let value = f.credit { buffer.writeVarint(UInt64(value)) }
    }
}
