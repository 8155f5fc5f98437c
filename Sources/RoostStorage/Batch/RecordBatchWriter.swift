import NIOCore

/// Encodes records into record batches (layout: `RecordBatchHeader`), reusing its buffers from batch to
/// batch so that the hot path allocates nothing per record. Not thread-safe: one per log writer.
struct RecordBatchWriter {
    /// The records part before compression (only used for LZ4).
    private var scratch = ByteBufferAllocator().buffer(capacity: 1 << 16)
    private var headerIndex = 0
    private var recordsStart = 0
    private var header = RecordBatchHeader(
        batchLength: 0, checksum: 0, codec: .none, baseOffset: 0, recordCount: 0, baseTimestamp: 0,
        maxTimestamp: 0, recordsLength: 0)

    /// An upper bound of the encoded size of `record` (used for batch limits and buffer reservation).
    @inline(__always)
    static func maxEncodedSize(_ record: Record) -> Int {
        var size = 5 * Varint.maxLength + (record.key?.readableBytes ?? 0) + record.value.readableBytes
        for h in record.headers { size += 2 * Varint.maxLength + h.name.utf8.count + h.value.utf8.count }
        return size
    }

    /// Starts a batch appended to `out`.
    mutating func begin(into out: inout ByteBuffer, codec: CompressionCodec, baseOffset: Int64, timestamp: Int64) {
        headerIndex = out.writerIndex
        out.writeRepeatingByte(0, count: RecordBatchHeader.size)
        recordsStart = out.writerIndex
        scratch.clear()
        header = RecordBatchHeader(
            batchLength: 0, checksum: 0, codec: codec, baseOffset: baseOffset, recordCount: 0,
            baseTimestamp: timestamp, maxTimestamp: timestamp, recordsLength: 0)
    }

    /// Adds a record with the next offset of the batch and `timestamp` (not below the batch's base).
    mutating func add(_ record: Record, timestamp: Int64, into out: inout ByteBuffer) {
        let offsetDelta = Int64(header.recordCount)
        let timestampDelta = timestamp - header.baseTimestamp
        if timestamp > header.maxTimestamp { header.maxTimestamp = timestamp }
        header.recordCount += 1
        if header.codec == .lz4 {
            Self.encode(record, offsetDelta: offsetDelta, timestampDelta: timestampDelta, into: &scratch)
        } else {
            Self.encode(record, offsetDelta: offsetDelta, timestampDelta: timestampDelta, into: &out)
        }
    }

    /// Finishes the batch: compresses, writes the header and checksum. Returns the finished header.
    mutating func finish(into out: inout ByteBuffer) throws -> RecordBatchHeader {
        if header.codec == .lz4 {
            header.recordsLength = scratch.readableBytes
            _ = try scratch.withUnsafeReadableBytes { try LZ4.compress($0, appendingTo: &out) }
        } else {
            header.recordsLength = out.writerIndex - recordsStart
        }
        header.batchLength = out.writerIndex - headerIndex
        header.write(into: &out, at: headerIndex)
        let start = headerIndex + RecordBatchHeader.checksumStart
        header.checksum = out.withUnsafeReadableBytes { bytes in
            Checksum.xxh3(UnsafeRawBufferPointer(rebasing: bytes[(start - out.readerIndex)...]))
        }
        out.setInteger(header.checksum, at: headerIndex + 8)
        return header
    }

    @inline(__always)
    private static func encode(_ record: Record, offsetDelta: Int64, timestampDelta: Int64, into out: inout ByteBuffer) {
        let bound = maxEncodedSize(record)
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { buffer -> Int in
            let p = buffer.baseAddress!
            var i = Varint.write(offsetDelta, to: p, at: 0)
            i = Varint.write(timestampDelta, to: p, at: i)
            if let key = record.key {
                i = Varint.write(Int64(key.readableBytes), to: p, at: i)
                i += copy(key, to: p + i)
            } else {
                i = Varint.write(-1, to: p, at: i)
            }
            i = Varint.write(Int64(record.headers.count), to: p, at: i)
            for h in record.headers {
                i = copyString(h.name, to: p, at: i)
                i = copyString(h.value, to: p, at: i)
            }
            i = Varint.write(Int64(record.value.readableBytes), to: p, at: i)
            i += copy(record.value, to: p + i)
            return i
        }
    }

    @inline(__always)
    private static func copy(_ buffer: ByteBuffer, to destination: UnsafeMutableRawPointer) -> Int {
        buffer.withUnsafeReadableBytes { bytes in
            if let base = bytes.baseAddress { destination.copyMemory(from: base, byteCount: bytes.count) }
            return bytes.count
        }
    }

    @inline(__always)
    private static func copyString(_ string: String, to p: UnsafeMutableRawPointer, at index: Int) -> Int {
        var s = string
        return s.withUTF8 { utf8 in
            let i = Varint.write(Int64(utf8.count), to: p, at: index)
            if let base = utf8.baseAddress { (p + i).copyMemory(from: base, byteCount: utf8.count) }
            return i + utf8.count
        }
    }
}
