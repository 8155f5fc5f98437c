import NIOCore

/// Parses and verifies record batches in a buffer read from a segment. A batch whose checksum, header or
/// records do not verify is an error (`LogError` `corrupt`), never data.
enum RecordBatchReader {
    /// The outcome of looking at the bytes at one position.
    enum Probe {
        /// A whole, verified batch.
        case batch(RecordBatchHeader)
        /// Fewer bytes than a header or than the batch length says: read more (or a torn tail).
        case incomplete(needed: Int)
    }

    /// Looks at the batch starting at `index` of `buffer`; verifies its checksum when it is complete.
    static func probe(_ buffer: ByteBuffer, at index: Int) throws -> Probe {
        let available = buffer.writerIndex - index
        guard available >= RecordBatchHeader.size else { return .incomplete(needed: RecordBatchHeader.size) }
        let header = try RecordBatchHeader.parse(buffer, at: index)
        guard available >= header.batchLength else { return .incomplete(needed: header.batchLength) }
        let start = index + RecordBatchHeader.checksumStart
        let sum = buffer.withUnsafeReadableBytes { bytes in
            let from = start - buffer.readerIndex
            return Checksum.xxh3(UnsafeRawBufferPointer(rebasing: bytes[from..<(from + header.batchLength - RecordBatchHeader.checksumStart)]))
        }
        guard sum == header.checksum else {
            throw LogError.corrupt("checksum mismatch in batch at offset \(header.baseOffset)")
        }
        return .batch(header)
    }

    /// The records part of a verified batch, decompressed if needed. For an uncompressed batch this is a
    /// slice of `buffer` (no copy).
    static func recordsPart(of header: RecordBatchHeader, in buffer: ByteBuffer, at index: Int) throws -> ByteBuffer {
        let start = index + RecordBatchHeader.size
        let length = header.batchLength - RecordBatchHeader.size
        guard let part = buffer.getSlice(at: start, length: length) else { throw LogError.corrupt("short batch") }
        guard header.codec == .lz4 else { return part }
        var out = ByteBufferAllocator().buffer(capacity: header.recordsLength)
        do {
            try part.withUnsafeReadableBytes { try LZ4.decompress($0, uncompressedCount: header.recordsLength, appendingTo: &out) }
        } catch {
            throw LogError.corrupt("batch at offset \(header.baseOffset): \(error)")
        }
        return out
    }

    /// Decodes the records of a verified batch with offsets in `from ..< until`, appending at most
    /// `maxRecords` of them to `records`, and stopping once `budget` (key and value bytes) is spent after
    /// at least one record. Keys and values are slices of the records part.
    static func decode(
        _ header: RecordBatchHeader, records part: ByteBuffer, from: Int64, until: Int64,
        maxRecords: Int, budget: inout Int, into records: inout [StoredRecord]
    ) throws {
        var added = 0
        let ok: Bool = part.withUnsafeReadableBytes { bytes -> Bool in
            var i = 0
            for _ in 0..<header.recordCount {
                guard let offsetDelta = Varint.read(bytes, at: &i),
                    let timestampDelta = Varint.read(bytes, at: &i),
                    let keyLength = Varint.read(bytes, at: &i), keyLength >= -1, keyLength <= bytes.count - i
                else { return false }
                guard offsetDelta >= 0, offsetDelta < Int64(header.recordCount) else { return false }
                let keyStart = i
                if keyLength > 0 { i += Int(keyLength) }
                guard let headerCount = Varint.read(bytes, at: &i), headerCount >= 0, headerCount <= bytes.count - i
                else { return false }
                var headers: [RecordHeader] = []
                let offset = header.baseOffset + offsetDelta
                let wanted = offset >= from && offset < until
                if headerCount > 0 {
                    if wanted { headers.reserveCapacity(Int(headerCount)) }
                    for _ in 0..<headerCount {
                        guard let name = readString(bytes, at: &i), let value = readString(bytes, at: &i) else { return false }
                        if wanted { headers.append(RecordHeader(name: name, value: value)) }
                    }
                }
                guard let valueLength = Varint.read(bytes, at: &i), valueLength >= 0, valueLength <= bytes.count - i
                else { return false }
                let valueStart = i
                i += Int(valueLength)
                guard wanted else { continue }
                let key = keyLength >= 0 ? part.getSlice(at: part.readerIndex + keyStart, length: Int(keyLength)) : nil
                let value = part.getSlice(at: part.readerIndex + valueStart, length: Int(valueLength))!
                records.append(StoredRecord(
                    offset: offset, timestamp: header.baseTimestamp &+ timestampDelta, key: key, headers: headers, value: value))
                added += 1
                budget -= Int(valueLength) + max(Int(keyLength), 0)
                if added >= maxRecords || budget <= 0 { return true }
            }
            return i == bytes.count
        }
        guard ok else { throw LogError.corrupt("malformed records in batch at offset \(header.baseOffset)") }
    }

    @inline(__always)
    private static func readString(_ bytes: UnsafeRawBufferPointer, at i: inout Int) -> String? {
        guard let length = Varint.read(bytes, at: &i), length >= 0, length <= bytes.count - i else { return nil }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + Int(length))]), as: UTF8.self)
        i += Int(length)
        return s
    }
}
