import NIOCore

/// Standard base64 (RFC 4648 section 4) for `data_b64` and `key_b64`, into and out of `ByteBuffer`s.
enum Base64 {
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    /// The length of the padded base64 text for `count` bytes.
    static func encodedCount(_ count: Int) -> Int {
        (count + 2) / 3 * 4
    }

    /// Writes `bytes` as padded base64 at the start of `output`, which holds at least `encodedCount` bytes.
    static func encode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        let table = alphabet.utf8Start
        var input = 0
        var out = 0
        while input + 3 <= bytes.count {
            let chunk = UInt32(bytes[input]) << 16 | UInt32(bytes[input + 1]) << 8 | UInt32(bytes[input + 2])
            output[out] = table[Int(chunk >> 18)]
            output[out + 1] = table[Int(chunk >> 12 & 0x3F)]
            output[out + 2] = table[Int(chunk >> 6 & 0x3F)]
            output[out + 3] = table[Int(chunk & 0x3F)]
            input += 3
            out += 4
        }
        let remaining = bytes.count - input
        if remaining > 0 {
            var chunk = UInt32(bytes[input]) << 16
            if remaining == 2 {
                chunk |= UInt32(bytes[input + 1]) << 8
            }
            output[out] = table[Int(chunk >> 18)]
            output[out + 1] = table[Int(chunk >> 12 & 0x3F)]
            output[out + 2] = remaining == 2 ? table[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "=")
            output[out + 3] = UInt8(ascii: "=")
        }
    }

    private static func value(of byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    /// Decodes base64 text; padding is optional, anything outside the alphabet (or a length that no
    /// encoding produces) gives `nil`.
    static func decode(_ text: UnsafeRawBufferPointer) -> ByteBuffer? {
        var count = text.count
        if count % 4 == 0 {
            if count > 0, text[count - 1] == UInt8(ascii: "=") { count -= 1 }
            if count > 0, text[count - 1] == UInt8(ascii: "=") { count -= 1 }
        }
        guard count % 4 != 1 else { return nil }
        var output = ByteBuffer()
        output.reserveCapacity(count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for index in 0..<count {
            guard let sextet = value(of: text[index]) else { return nil }
            accumulator = accumulator << 6 | sextet
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.writeInteger(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }
}
