import NIOCore

/// Writing JSON pieces straight into a `ByteBuffer`: quoted strings, integers, base64, without going
/// through `String` formatting or Foundation.
enum JSONOutput {
    /// Writes `bytes` (well-formed UTF-8) as a quoted JSON string, escaping `"`, `\` and control characters.
    static func writeQuoted(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        writeQuoted(prefix: "", bytes, suffix: "", into: &buffer)
    }

    /// Writes `prefix`, `bytes` quoted, `suffix`, then `tail` as it is: in one write to the buffer when
    /// nothing needs escaping (the usual case, and the one on the per-subscriber path).
    static func writeQuoted(
        prefix: StaticString, _ bytes: UnsafeRawBufferPointer, suffix: StaticString,
        tail: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), into buffer: inout ByteBuffer
    ) {
        guard bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            let total = prefix.utf8CodeUnitCount + bytes.count + suffix.utf8CodeUnitCount + 2 + tail.count
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { output in
                var index = copy(prefix, into: output, at: 0)
                output[index] = UInt8(ascii: "\"")
                UnsafeMutableRawBufferPointer(rebasing: output[(index + 1)...]).copyMemory(from: bytes)
                index += bytes.count + 1
                output[index] = UInt8(ascii: "\"")
                index = copy(suffix, into: output, at: index + 1)
                UnsafeMutableRawBufferPointer(rebasing: output[index...]).copyMemory(from: tail)
                return index + tail.count
            }
            return
        }
        buffer.writeStaticString(prefix)
        writeEscaped(bytes, into: &buffer)
        buffer.writeStaticString(suffix)
        buffer.writeBytes(tail)
    }

    /// Copies a literal into `output` at `index`; returns the index after it.
    private static func copy(_ literal: StaticString, into output: UnsafeMutableRawBufferPointer, at index: Int) -> Int {
        UnsafeMutableRawBufferPointer(rebasing: output[index...]).copyMemory(
            from: UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
        return index + literal.utf8CodeUnitCount
    }

    private static func writeEscaped(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
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
        writeQuoted(prefix: "", string, suffix: "", into: &buffer)
    }

    /// Writes `prefix`, a Swift string quoted, `suffix`, then `tail` as it is.
    static func writeQuoted(
        prefix: StaticString, _ string: String, suffix: StaticString,
        tail: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), into buffer: inout ByteBuffer
    ) {
        var string = string
        string.withUTF8 { writeQuoted(prefix: prefix, UnsafeRawBufferPointer($0), suffix: suffix, tail: tail, into: &buffer) }
    }

    /// Writes `prefix` then a decimal integer, in one write.
    static func writeDecimal(prefix: StaticString = "", _ value: Int64, into buffer: inout ByteBuffer) {
        writeDecimal(prefix: prefix, magnitude: value.magnitude, negative: value < 0, into: &buffer)
    }

    /// Writes `prefix` then a decimal integer, in one write.
    static func writeDecimal(prefix: StaticString = "", _ value: UInt64, into buffer: inout ByteBuffer) {
        writeDecimal(prefix: prefix, magnitude: value, negative: false, into: &buffer)
    }

    private static func writeDecimal(prefix: StaticString, magnitude: UInt64, negative: Bool, into buffer: inout ByteBuffer) {
        // The digits into a scratch array, then one write. This runs for every delivered message.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            let start = writeDigits(magnitude, into: digits)
            let count = 20 - start
            let total = prefix.utf8CodeUnitCount + count + (negative ? 1 : 0)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { pointer in
                var index = copy(prefix, into: pointer, at: 0)
                if negative {
                    pointer[index] = UInt8(ascii: "-")
                    index += 1
                }
                UnsafeMutableRawBufferPointer(rebasing: pointer[index..<total])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(digits)[start..<20]))
                return total
            }
        }
    }

    /// Writes the decimal digits of `value` at the end of `digits` (20 bytes), two at a time (one division per
    /// pair); returns where they start.
    private static func writeDigits(_ value: UInt64, into digits: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let twoDigits = Self.twoDigits
        var value = value
        var start = 20
        while value >= 100 {
            let pair = Int(value % 100) * 2
            value /= 100
            start -= 2
            digits[start] = twoDigits[pair]
            digits[start + 1] = twoDigits[pair + 1]
        }
        if value >= 10 {
            start -= 2
            digits[start] = twoDigits[Int(value) * 2]
            digits[start + 1] = twoDigits[Int(value) * 2 + 1]
        } else {
            start -= 1
            digits[start] = UInt8(ascii: "0") + UInt8(value)
        }
        return start
    }

    /// Writes `head`, `prefix`, `value` in decimal, then `tail`, in one write: the per-message start of a delivery in
    /// a run (`{"topic":...` before, `,"timestamp":...` after the offset), where separate writes cost more than the
    /// bytes.
    static func writeRaw(
        _ head: UnsafeRawBufferPointer, prefix: StaticString, _ value: Int64, _ tail: UnsafeRawBufferPointer,
        into buffer: inout ByteBuffer
    ) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            let start = writeDigits(value.magnitude, into: digits)
            let negative = value < 0
            let total = head.count + prefix.utf8CodeUnitCount + (negative ? 1 : 0) + 20 - start + tail.count
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { output in
                UnsafeMutableRawBufferPointer(rebasing: output[0...]).copyMemory(from: head)
                var index = copy(prefix, into: output, at: head.count)
                if negative {
                    output[index] = UInt8(ascii: "-")
                    index += 1
                }
                UnsafeMutableRawBufferPointer(rebasing: output[index...])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(digits)[start..<20]))
                index += 20 - start
                UnsafeMutableRawBufferPointer(rebasing: output[index...]).copyMemory(from: tail)
                return total
            }
        }
    }

    /// "00" to "99", two ASCII digits each: a literal read through a computed property, not a `static let` array,
    /// which is a lazily made global whose every read costs a `swift_once` check (twice per delivered message).
    private static var twoDigits: UnsafePointer<UInt8> {
        let pairs: StaticString = """
            00010203040506070809101112131415161718192021222324252627282930313233343536373839\
            40414243444546474849505152535455565758596061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899
            """
        return pairs.utf8Start
    }

    /// Writes `prefix`, `bytes` as they are, then `suffix`, in one write.
    static func writeRaw(prefix: StaticString, _ bytes: UnsafeRawBufferPointer, suffix: StaticString, into buffer: inout ByteBuffer) {
        let total = prefix.utf8CodeUnitCount + bytes.count + suffix.utf8CodeUnitCount
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { output in
            let index = copy(prefix, into: output, at: 0)
            UnsafeMutableRawBufferPointer(rebasing: output[index...]).copyMemory(from: bytes)
            return copy(suffix, into: output, at: index + bytes.count)
        }
    }

    /// Writes `prefix`, `bytes` in base64 between quotes, then `suffix`, in one write.
    static func writeQuotedBase64(prefix: StaticString, _ bytes: UnsafeRawBufferPointer, suffix: StaticString, into buffer: inout ByteBuffer) {
        let encodedCount = Base64.encodedCount(bytes.count)
        let total = prefix.utf8CodeUnitCount + encodedCount + 2 + suffix.utf8CodeUnitCount
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { output in
            let index = copy(prefix, into: output, at: 0)
            output[index] = UInt8(ascii: "\"")
            Base64.encode(bytes, into: UnsafeMutableRawBufferPointer(rebasing: output[(index + 1)...]))
            output[index + 1 + encodedCount] = UInt8(ascii: "\"")
            return copy(suffix, into: output, at: index + 2 + encodedCount)
        }
    }
}
