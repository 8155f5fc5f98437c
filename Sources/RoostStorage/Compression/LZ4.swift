import CLZ4
import NIOCore

/// LZ4 block compression (liblz4) of a batch's records part.
///
/// Decompression uses `LZ4_decompress_safe` with the exact size recorded in the batch header, so corrupt
/// or hostile input yields `LZ4.Error`, never a crash or an over-read.
public enum LZ4 {
    /// An LZ4 failure: the input is corrupt or does not decompress to the expected size.
    public struct Error: Swift.Error, Hashable, CustomStringConvertible {
        /// Human description.
        public let message: String
        public var description: String { "lz4: \(message)" }
    }

    /// The most bytes LZ4 can need to compress `count` bytes (`LZ4_compressBound`).
    public static func compressBound(_ count: Int) -> Int { Int(LZ4_compressBound(Int32(clamping: count))) }

    /// Appends the LZ4 block compression of `source` to `destination` (reusing its capacity); returns the
    /// number of bytes written.
    @discardableResult
    public static func compress(_ source: UnsafeRawBufferPointer, appendingTo destination: inout ByteBuffer) throws -> Int {
        guard source.count <= Int(LZ4_MAX_INPUT_SIZE) else {
            throw Error(message: "input of \(source.count) bytes exceeds LZ4_MAX_INPUT_SIZE")
        }
        if source.isEmpty { return 0 }
        let bound = compressBound(source.count)
        return try destination.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { out -> Int in
            let n = LZ4_compress_default(
                source.baseAddress!.assumingMemoryBound(to: CChar.self),
                out.baseAddress!.assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(clamping: out.count))
            guard n > 0 else { throw Error(message: "compression failed") }
            return Int(n)
        }
    }

    /// Appends the decompression of `source` to `destination`; `source` must decompress to exactly
    /// `uncompressedCount` bytes.
    public static func decompress(
        _ source: UnsafeRawBufferPointer, uncompressedCount: Int, appendingTo destination: inout ByteBuffer
    ) throws {
        if uncompressedCount == 0 {
            guard source.isEmpty else { throw Error(message: "data for an empty block") }
            return
        }
        guard uncompressedCount > 0, uncompressedCount <= Int(LZ4_MAX_INPUT_SIZE), !source.isEmpty,
            source.count <= Int(Int32.max)
        else { throw Error(message: "invalid sizes \(source.count) -> \(uncompressedCount)") }
        try destination.writeWithUnsafeMutableBytes(minimumWritableBytes: uncompressedCount) { out -> Int in
            let n = LZ4_decompress_safe(
                source.baseAddress!.assumingMemoryBound(to: CChar.self),
                out.baseAddress!.assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(uncompressedCount))
            guard n == Int32(uncompressedCount) else {
                throw Error(message: "corrupt block (decompressed \(n) of \(uncompressedCount) bytes)")
            }
            return uncompressedCount
        }
    }
}
