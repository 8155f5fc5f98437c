import NIOCore

/// Writing JSON pieces straight into a `ByteBuffer`: quoted strings, integers, base64, without going
/// through `String` formatting or Foundation.
enum JSONOutput {
    /// Writes `bytes` (well-formed UTF-8) as a quoted JSON string, escaping `"`, `\` and control characters.
    static func writeQuoted(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
            writeEscape(byte, into: &buffer)
            runStart = index + 1
        }
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, into buffer: inout ByteBuffer) {
        switch byte {
        case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
        case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
        case 0x0A: buffer.writeStaticString("\\n")
        case 0x0D: buffer.writeStaticString("\\r")
        case 0x09: buffer.writeStaticString("\\t")
        case 0x08: buffer.writeStaticString("\\b")
        case 0x0C: buffer.writeStaticString("\\f")
        default:
            let hex: StaticString = "0123456789abcdef"
            buffer.writeStaticString("\\u00")
            buffer.writeInteger(hex.utf8Start[Int(byte >> 4)])
            buffer.writeInteger(hex.utf8Start[Int(byte & 0x0F)])
        }
    }

    /// Writes a Swift string as a quoted JSON string.
    static func writeQuoted(_ string: String, into buffer: inout ByteBuffer) {
        var string = string
        string.withUTF8 { writeQuoted(UnsafeRawBufferPointer($0), into: &buffer) }
    }

    /// Writes a decimal integer.
    static func writeDecimal(_ value: Int64, into buffer: inout ByteBuffer) {
        writeDecimal(magnitude: value.magnitude, negative: value < 0, into: &buffer)
    }

    /// Writes a decimal integer.
    static func writeDecimal(_ value: UInt64, into buffer: inout ByteBuffer) {
        writeDecimal(magnitude: value, negative: false, into: &buffer)
    }

    private static func writeDecimal(magnitude: UInt64, negative: Bool, into buffer: inout ByteBuffer) {
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        let total = digits + (negative ? 1 : 0)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { pointer in
            if negative {
                pointer[0] = UInt8(ascii: "-")
            }
            var value = magnitude
            var index = total - 1
            repeat {
                pointer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                index -= 1
            } while value > 0
            return total
        }
    }

    /// Writes `"name":` for a field after the first (with its leading comma).
    static func writeField(_ name: StaticString, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: ","))
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
    }
}
