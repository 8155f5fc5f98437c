import CXXHash

/// The batch checksum: XXH3-64 (seed 0) from libxxhash. Chosen over CRC32C because it runs at memory
/// speed without CPU-specific instructions and catches torn writes and bit flips alike; see Docs/storage.md.
enum Checksum {
    /// XXH3-64 of `bytes`, seed 0.
    @inline(__always)
    static func xxh3(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress else { return XXH3_64bits(nil, 0) }
        return XXH3_64bits(base, bytes.count)
    }
}
