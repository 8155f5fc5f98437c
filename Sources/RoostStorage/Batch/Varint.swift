/// Zigzag LEB128 varints, as in Protocol Buffers' `sint64`: small magnitudes of either sign take few bytes.
///
/// The writer stores bytes without bounds checks into space its caller reserved (at most
/// `maxLength` bytes per value); the reader checks every byte against the end of its input.
enum Varint {
    /// The longest encoding of a 64-bit value.
    static let maxLength = 10

    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    @inline(__always)
    static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }

    /// Writes `value` zigzag-encoded at `pointer + index`, returns the index after it. Needs `maxLength`
    /// bytes of room.
    @inline(__always)
    static func write(_ value: Int64, to pointer: UnsafeMutableRawPointer, at index: Int) -> Int {
        var v = zigzag(value)
        var i = index
        while v >= 0x80 {
            pointer.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: i, as: UInt8.self)
            v >>= 7
            i += 1
        }
        pointer.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
        return i + 1
    }

    /// Reads a zigzag varint from `bytes` at `index`; `nil` when it runs past the end or is longer than
    /// `maxLength` bytes.
    @inline(__always)
    static func read(_ bytes: UnsafeRawBufferPointer, at index: inout Int) -> Int64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = index
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                index = i
                return unzigzag(result)
            }
            shift += 7
            if shift >= 70 { return nil }
        }
        return nil
    }
}
