import NIOCore

/// Writes the binary encoding's primitives (see Docs/protocol.md, "Binary encoding").
extension ByteBuffer {
    /// Unsigned LEB128.
    mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        writeInteger(UInt8(value))
    }

    /// A signed value as the varint of its bit pattern (negative values take 10 bytes; they are rare).
    mutating func writeVarint(signed value: Int64) {
        writeVarint(UInt64(bitPattern: value))
    }

    mutating func writeLengthPrefixed(_ bytes: ByteBuffer) {
        writeVarint(UInt64(bytes.readableBytes))
        writeImmutableBuffer(bytes)
    }

    mutating func writeLengthPrefixed(_ string: String) {
        writeVarint(UInt64(string.utf8.count))
        writeString(string)
    }

    mutating func writeHeaders(_ headers: [Header]) {
        writeVarint(UInt64(headers.count))
        for header in headers {
            writeLengthPrefixed(header.name)
            writeLengthPrefixed(header.value)
        }
    }
}
