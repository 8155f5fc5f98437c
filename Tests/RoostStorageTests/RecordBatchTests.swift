import NIOCore
import Testing

@testable import RoostStorage

@Suite struct RecordBatchTests {
    static func encode(_ records: [Record], codec: CompressionCodec, baseOffset: Int64 = 7, timestamp: Int64 = 1_000) throws -> ByteBuffer {
        var writer = RecordBatchWriter()
        var out = ByteBuffer()
        writer.begin(into: &out, codec: codec, baseOffset: baseOffset, timestamp: timestamp)
        for (i, r) in records.enumerated() { writer.add(r, timestamp: timestamp + Int64(i), into: &out) }
        _ = try writer.finish(into: &out)
        return out
    }

    static func decodeAll(_ buffer: ByteBuffer) throws -> [StoredRecord] {
        guard case .batch(let header) = try RecordBatchReader.probe(buffer, at: buffer.readerIndex) else { return [] }
        let part = try RecordBatchReader.recordsPart(of: header, in: buffer, at: buffer.readerIndex)
        var records: [StoredRecord] = []
        var budget = Int.max
        try RecordBatchReader.decode(header, records: part, from: 0, until: .max, maxRecords: .max, budget: &budget, into: &records)
        return records
    }

    @Test(arguments: CompressionCodec.allCases)
    func headerFieldsAndRecordsRoundTrip(codec: CompressionCodec) throws {
        let records = [record("a", key: "k"), Record(value: ByteBuffer()), record("c", headers: [RecordHeader(name: "n", value: "v")])]
        let buffer = try Self.encode(records, codec: codec)
        let header = try RecordBatchHeader.parse(buffer, at: 0)
        #expect(header.batchLength == buffer.readableBytes)
        #expect(header.baseOffset == 7 && header.recordCount == 3 && header.nextOffset == 10)
        #expect(header.baseTimestamp == 1_000 && header.maxTimestamp == 1_002)
        #expect(header.codec == codec)
        #expect(buffer.getInteger(at: 0, as: UInt32.self) == 0x5242_4154)
        let decoded = try Self.decodeAll(buffer)
        #expect(decoded.map(\.offset) == [7, 8, 9])
        #expect(decoded.map(\.timestamp) == [1_000, 1_001, 1_002])
        #expect(decoded.map(\.key) == records.map(\.key))
        #expect(decoded.map(\.headers) == records.map(\.headers))
        #expect(decoded.map(\.value) == records.map(\.value))
    }

    @Test func varintsRoundTripAtTheEdges() {
        for value: Int64 in [0, 1, -1, 63, -64, 64, 300, -300, Int64(Int32.max), .max, .min] {
            var bytes = [UInt8](repeating: 0, count: Varint.maxLength)
            let n = bytes.withUnsafeMutableBytes { Varint.write(value, to: $0.baseAddress!, at: 0) }
            var i = 0
            let back = bytes.withUnsafeBytes { Varint.read(UnsafeRawBufferPointer(rebasing: $0[..<n]), at: &i) }
            #expect(back == value && i == n)
            var j = 0
            #expect(bytes.withUnsafeBytes { Varint.read(UnsafeRawBufferPointer(rebasing: $0[..<(n - 1)]), at: &j) } == nil)
        }
    }

    /// Damaged records under a valid checksum (a buggy or hostile writer): an error or records, never a crash.
    @Test(arguments: CompressionCodec.allCases)
    func fuzzedRecordsWithValidChecksumsNeverCrash(codec: CompressionCodec) throws {
        var generator = SystemRandomNumberGenerator()
        let records = (0..<20).map { record("value \($0)", key: $0 % 2 == 0 ? "key" : nil, headers: [RecordHeader(name: "h", value: "\($0)")]) }
        let original = Array(try Self.encode(records, codec: codec).readableBytesView)
        for _ in 0..<2_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 17..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            var buffer = ByteBuffer(bytes: bytes)
            let sum = bytes.withUnsafeBytes { Checksum.xxh3(UnsafeRawBufferPointer(rebasing: $0[16...])) }
            buffer.setInteger(sum, at: 8)
            do {
                _ = try Self.decodeAll(buffer)
            } catch let error as LogError {
                #expect(error.code == .corrupt)
            }
        }
    }
}
