import NIOCore
import RoostStorage
import Testing

@Suite struct LZ4Tests {
    @Test func roundTripsIntoAReusedBuffer() throws {
        let input = Array(repeating: Array("roost roost roost {\"order\":17}".utf8), count: 200).flatMap { $0 }
        var compressed = ByteBuffer()
        let n = try input.withUnsafeBytes { try LZ4.compress($0, appendingTo: &compressed) }
        #expect(n == compressed.readableBytes && n < input.count / 4)
        var out = ByteBuffer()
        try compressed.withUnsafeReadableBytes { try LZ4.decompress($0, uncompressedCount: input.count, appendingTo: &out) }
        #expect(Array(out.readableBytesView) == input)
    }

    @Test func corruptOrMisSizedInputIsAnErrorNotACrash() throws {
        let input = Array((0..<4096).map { UInt8(truncatingIfNeeded: $0 % 13) })
        var compressed = ByteBuffer()
        try input.withUnsafeBytes { _ = try LZ4.compress($0, appendingTo: &compressed) }
        let bytes = Array(compressed.readableBytesView)
        var out = ByteBuffer()
        #expect(throws: LZ4.Error.self) {
            try bytes.withUnsafeBytes { try LZ4.decompress($0, uncompressedCount: input.count - 1, appendingTo: &out) }
        }
        #expect(throws: LZ4.Error.self) {
            try bytes.withUnsafeBytes { try LZ4.decompress($0, uncompressedCount: input.count + 1, appendingTo: &out) }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var damaged = bytes
            damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            damaged = Array(damaged.prefix(Int.random(in: 1...damaged.count, using: &generator)))
            var sink = ByteBuffer()
            // Either an error or exactly the expected size: never a crash or over-read.
            if (try? damaged.withUnsafeBytes { try LZ4.decompress($0, uncompressedCount: input.count, appendingTo: &sink) }) != nil {
                #expect(sink.readableBytes == input.count)
            }
        }
    }
}
