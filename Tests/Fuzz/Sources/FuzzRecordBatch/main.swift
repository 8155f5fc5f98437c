import FuzzSupport
import NIOCore
@testable import RoostStorage

/// libFuzzer entry point for the segment reader: the code that turns bytes of a `.log` file into records.
///
/// A checksum guards every batch, so random bytes would never get past it; the first input byte picks how
/// the rest is used:
/// - `0`: the bytes of a segment file, read batch after batch the way recovery and reads do;
/// - `1`: the same, but each batch's checksum is fixed first, so the header and records behind it are fuzzed;
/// - `2`: a records part (plain) behind a well-formed header with a valid checksum;
/// - `3`: a records part (LZ4 block) behind a well-formed header with a valid checksum.
/// Every input must read or fail with `LogError`; a trap or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    var buffer = ByteBuffer(bytes: input.dropFirst())
    switch input[0] % 4 {
    case 0: readSegment(buffer)
    case 1:
        fixChecksums(&buffer)
        readSegment(buffer)
    default:
        readSegment(wrap(buffer, codec: input[0] % 4 == 3 ? .lz4 : .none, seed: input[0]))
    }
    return 0
}

/// Reads every batch from the start of `buffer` until the end, a short tail or the first error.
private func readSegment(_ buffer: ByteBuffer) {
    var index = buffer.readerIndex
    while index < buffer.writerIndex {
        guard let probe = try? RecordBatchReader.probe(buffer, at: index), case .batch(let header) = probe else { return }
        if let part = try? RecordBatchReader.recordsPart(of: header, in: buffer, at: index) {
            for maxRecords in [1, Int.max] {
                var budget = maxRecords == 1 ? 1 : Int.max
                var records: [StoredRecord] = []
                try? RecordBatchReader.decode(header, records: part, from: header.baseOffset, until: header.nextOffset,
                    maxRecords: maxRecords, budget: &budget, into: &records)
                if records.count > header.recordCount { fatalError("more records than the header counts") }
            }
        }
        index += header.batchLength
    }
}

/// Rewrites the checksum of every batch whose header parses, walking batch lengths.
private func fixChecksums(_ buffer: inout ByteBuffer) {
    var index = buffer.readerIndex
    while buffer.writerIndex - index >= RecordBatchHeader.size,
        let length = buffer.getInteger(at: index + 4, as: UInt32.self),
        Int(length) >= RecordBatchHeader.size, Int(length) <= buffer.writerIndex - index
    {
        setChecksum(&buffer, at: index, length: Int(length))
        index += Int(length)
    }
}

private func setChecksum(_ buffer: inout ByteBuffer, at index: Int, length: Int) {
    let sum = buffer.withUnsafeReadableBytes { bytes in
        let from = index - buffer.readerIndex + RecordBatchHeader.checksumStart
        return Checksum.xxh3(UnsafeRawBufferPointer(rebasing: bytes[from..<(index - buffer.readerIndex + length)]))
    }
    buffer.setInteger(sum, at: index + 8)
}

/// One batch around `part`: header fields derived from `seed` and the part, checksum valid.
private func wrap(_ part: ByteBuffer, codec: CompressionCodec, seed: UInt8) -> ByteBuffer {
    var part = part
    var recordsLength = part.readableBytes
    if codec == .lz4 {
        // The claimed uncompressed length comes from the input too, so that wrong lengths are fuzzed.
        recordsLength = Int(part.readInteger(as: UInt16.self) ?? 0)
    }
    let header = RecordBatchHeader(
        batchLength: RecordBatchHeader.size + part.readableBytes, checksum: 0, codec: codec,
        baseOffset: Int64(seed) * 1_000, recordCount: Int(seed >> 2) + 1, baseTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_700_000_000_000 + Int64(seed), recordsLength: recordsLength)
    var out = ByteBuffer()
    out.writeRepeatingByte(0, count: RecordBatchHeader.size)
    header.write(into: &out, at: 0)
    out.writeBuffer(&part)
    setChecksum(&out, at: 0, length: out.readableBytes)
    return out
}

@_cdecl("FuzzRecordBatch_main")
public func fuzzRecordBatchMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzRecordBatch($0, $1) }
}
