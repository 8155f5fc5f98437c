import NIOCore

/// The binary encoding of wire protocol v1 (subprotocol `roost.v1.binary`, one frame per binary message).
///
/// Layout (byte by byte in Docs/protocol.md): op byte, flags byte saying which optional fields follow,
/// then the fields in a fixed order; integers are unsigned LEB128 varints, strings and bytes are a
/// varint length then the bytes, payloads are raw. Decoding is bounds-checked throughout and rejects
/// unknown flag bits and trailing bytes (`malformed_frame`): the binary encoding evolves by subprotocol
/// version, not by ignoring what it does not understand. A value type with no state: share it freely.
public struct BinaryFrameCodec: FrameCodec {
    /// Creates the codec.
    public init() {}

    /// `.binary`.
    public var encoding: WireEncoding { .binary }

    enum Flag {
        static let id: UInt8 = 0x01
        static let key: UInt8 = 0x02
        static let headers: UInt8 = 0x04
        static let dedupID: UInt8 = 0x08
    }

    /// Reads the op byte and hands the rest to `body`; stamps the request id (if `body` found one) on errors.
    func withReader<Frame>(
        _ buffer: ByteBuffer, _ body: (inout BinaryReader, KnownOp?, Op, inout RequestID?) throws(ProtocolError) -> Frame
    ) throws(ProtocolError) -> Frame {
        var reader = BinaryReader(buffer: buffer)
        var id: RequestID?
        do throws(ProtocolError) {
            let byte = try reader.byte("op")
            let known = KnownOp(rawValue: byte)
            let frame = try body(&reader, known, known?.op ?? Op(binaryCode: byte), &id)
            try reader.finish()
            return frame
        } catch {
            var error = error
            error.requestID = id
            throw error
        }
    }

    func readOptionalID(_ reader: inout BinaryReader, flags: UInt8, into id: inout RequestID?) throws(ProtocolError) {
        if flags & Flag.id != 0 {
            id = try reader.requestID()
        }
    }

    func writeFlaggedID(_ id: RequestID?, flags: UInt8, into buffer: inout ByteBuffer) {
        buffer.writeInteger(flags | (id == nil ? 0 : Flag.id))
        if let id {
            buffer.writeLengthPrefixed(id.jsonToken)
        }
    }

    func readEntry(_ reader: inout BinaryReader, flags: UInt8) throws(ProtocolError) -> PublishEntry {
        let key = flags & Flag.key != 0 ? try reader.bytes("key") : nil
        let headers = flags & Flag.headers != 0 ? try reader.headers() : []
        let dedupID = flags & Flag.dedupID != 0 ? try reader.string("dedup_id") : nil
        return PublishEntry(key: key, headers: headers, dedupID: dedupID, payload: try reader.bytes("data"))
    }

    func entryFlags(_ entry: PublishEntry) -> UInt8 {
        (entry.key == nil ? 0 : Flag.key) | (entry.headers.isEmpty ? 0 : Flag.headers)
            | (entry.dedupID == nil ? 0 : Flag.dedupID)
    }

    /// The entry's fields after its flags.
    func writeEntryFields(_ entry: PublishEntry, into buffer: inout ByteBuffer) {
        if let key = entry.key { buffer.writeLengthPrefixed(key) }
        if !entry.headers.isEmpty { buffer.writeHeaders(entry.headers) }
        if let dedupID = entry.dedupID { buffer.writeLengthPrefixed(dedupID) }
        buffer.writeLengthPrefixed(entry.payload)
    }
}
