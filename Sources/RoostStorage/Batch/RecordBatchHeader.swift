import NIOCore

/// The fixed header of a record batch, the unit the log writes, checksums and compresses.
///
/// Byte layout (all integers big-endian; this is the on-disk format, also in Docs/storage.md):
///
/// ```
/// offset size field
///  0     4    magic                0x52 0x42 0x41 0x54 ("RBAT")
///  4     4    batchLength          uint32, bytes of the whole batch including this header
///  8     8    checksum             uint64, XXH3-64 (seed 0) of bytes [16, batchLength)
/// 16     1    version              1
/// 17     1    attributes           bits 0-2: codec (0 none, 1 lz4); other bits 0
/// 18     2    reserved             0
/// 20     8    baseOffset           int64, offset of the first record
/// 28     4    recordCount          int32, >= 1
/// 32     8    baseTimestamp        int64, ms since the epoch, timestamp of the first record
/// 40     8    maxTimestamp         int64, largest record timestamp
/// 48     4    recordsLength        uint32, length of the records part before compression
/// 52     ...  records part         recordCount records, LZ4-block-compressed when codec is lz4
/// ```
///
/// Each record (all varints zigzag LEB128, as protobuf `sint64`):
///
/// ```
/// offsetDelta     varint   offset - baseOffset
/// timestampDelta  varint   timestamp - baseTimestamp
/// keyLength       varint   -1 for no key
/// key             bytes
/// headerCount     varint
///   nameLength    varint,  name  UTF-8 bytes
///   valueLength   varint,  value UTF-8 bytes
/// valueLength     varint
/// value           bytes
/// ```
public struct RecordBatchHeader: Sendable, Hashable {
    /// "RBAT": lets a reader of a damaged file tell a batch boundary from noise.
    public static let magic: UInt32 = 0x5242_4154
    /// The only version written and read.
    public static let version: UInt8 = 1
    /// Size of the fixed header.
    public static let size = 52
    /// Where the checksummed range starts.
    public static let checksumStart = 16

    /// Bytes of the whole batch, header included.
    public var batchLength: Int
    public var checksum: UInt64
    public var codec: CompressionCodec
    public var baseOffset: Int64
    public var recordCount: Int
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    /// Uncompressed length of the records part.
    public var recordsLength: Int

    /// Offset one past the last record of the batch.
    public var nextOffset: Int64 { baseOffset + Int64(recordCount) }

    /// Parses and sanity-checks a header at `index` of `buffer` (which must hold `size` bytes there).
    /// Does not verify the checksum (`RecordBatchReader` does).
    static func parse(_ buffer: ByteBuffer, at index: Int) throws -> RecordBatchHeader {
        guard let magic = buffer.getInteger(at: index, as: UInt32.self),
            let length = buffer.getInteger(at: index + 4, as: UInt32.self),
            let checksum = buffer.getInteger(at: index + 8, as: UInt64.self),
            let version = buffer.getInteger(at: index + 16, as: UInt8.self),
            let attributes = buffer.getInteger(at: index + 17, as: UInt8.self),
            let baseOffset = buffer.getInteger(at: index + 20, as: Int64.self),
            let count = buffer.getInteger(at: index + 28, as: Int32.self),
            let baseTimestamp = buffer.getInteger(at: index + 32, as: Int64.self),
            let maxTimestamp = buffer.getInteger(at: index + 40, as: Int64.self),
            let recordsLength = buffer.getInteger(at: index + 48, as: UInt32.self)
        else { throw LogError.corrupt("truncated batch header") }
        guard magic == Self.magic else { throw LogError.corrupt("bad batch magic \(magic)") }
        guard version == Self.version else { throw LogError.corrupt("unknown batch version \(version)") }
        let codec: CompressionCodec
        switch attributes {
        case 0: codec = .none
        case 1: codec = .lz4
        default: throw LogError.corrupt("unknown batch attributes \(attributes)")
        }
        // Bounds that keep arithmetic and allocations sane even for a crafted file whose checksum matches:
        // LZ4 expands at most 255x, offsets never overflow.
        let partLength = Int(length) - Self.size
        guard partLength >= 0, count >= 1, baseOffset >= 0, baseOffset <= Int64.max - Int64(count),
            maxTimestamp >= baseTimestamp,
            codec == .lz4 ? Int(recordsLength) <= partLength * 255 : Int(recordsLength) == partLength
        else { throw LogError.corrupt("inconsistent batch header at offset \(baseOffset)") }
        return RecordBatchHeader(
            batchLength: Int(length), checksum: checksum, codec: codec, baseOffset: baseOffset,
            recordCount: Int(count), baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp,
            recordsLength: Int(recordsLength))
    }

    /// Writes this header at `index` of `buffer` (which already holds the space).
    func write(into buffer: inout ByteBuffer, at index: Int) {
        buffer.setInteger(Self.magic, at: index)
        buffer.setInteger(UInt32(batchLength), at: index + 4)
        buffer.setInteger(checksum, at: index + 8)
        buffer.setInteger(Self.version, at: index + 16)
        buffer.setInteger(codec == .lz4 ? UInt8(1) : 0, at: index + 17)
        buffer.setInteger(UInt16(0), at: index + 18)
        buffer.setInteger(baseOffset, at: index + 20)
        buffer.setInteger(Int32(recordCount), at: index + 28)
        buffer.setInteger(baseTimestamp, at: index + 32)
        buffer.setInteger(maxTimestamp, at: index + 40)
        buffer.setInteger(UInt32(recordsLength), at: index + 48)
    }
}
