extension JSONScanner {
    /// Scans the string at `index` (at its opening quote): escapes, surrogate pairs, control
    /// characters and UTF-8 are all checked.
    mutating func scanString() throws(JSONSyntaxError) -> Value {
        let start = index
        index += 1
        var escaped = false
        while index < bytes.count {
            index = JSONScanner.skipPlainASCII(bytes, from: index)
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return Value(kind: .string, start: start, end: index, escaped: escaped)
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape()
            } else if byte < 0x20 {
                throw fail(.controlCharacterInString)
            } else if byte < 0x80 {
                index += 1
            } else {
                guard let length = JSONScanner.utf8SequenceLength(bytes, at: index) else { throw fail(.invalidUTF8) }
                index += length
            }
        }
        throw fail(.unexpectedEnd)
    }

    /// At a backslash: checks one escape and moves past it.
    private mutating func scanEscape() throws(JSONSyntaxError) {
        index += 1
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        switch bytes[index] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
        case UInt8(ascii: "u"):
            let unit = try scanHex4()
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw fail(.unpairedSurrogate)
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw fail(.unpairedSurrogate) }
                index += 1
                let low = try scanHex4()
                guard low >= 0xDC00 && low <= 0xDFFF else { throw fail(.unpairedSurrogate) }
            }
        default:
            throw fail(.invalidEscape)
        }
    }

    /// At the `u` of `\uXXXX`: reads the four hex digits, leaves `index` after them.
    private mutating func scanHex4() throws(JSONSyntaxError) -> UInt16 {
        index += 1
        guard bytes.count - index >= 4 else { throw JSONSyntaxError(reason: .unexpectedEnd, offset: bytes.count) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = JSONScanner.hexValue(bytes[index]) else { throw fail(.invalidEscape) }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// Moves past bytes that need no attention inside a string (printable ASCII other than `"` and `\`),
    /// eight at a time: payload strings are mostly such bytes. Returns the first index that needs a look.
    @inline(__always)
    static func skipPlainASCII(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        while bytes.count - index >= 8 {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            // Per byte: below 0x20, equal to '"' (0x22) or '\' (0x5C), or non-ASCII. The classic
            // "has a zero byte" test; false positives only past a true hit, where the byte loop takes over.
            let control = (word &- ones &* 0x20) & ~word
            let quote = ((word ^ (ones &* 0x22)) &- ones) & ~(word ^ (ones &* 0x22))
            let backslash = ((word ^ (ones &* 0x5C)) &- ones) & ~(word ^ (ones &* 0x5C))
            guard (control | quote | backslash | word) & highs == 0 else { break }
            index += 8
        }
        return index
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The length of the well-formed UTF-8 sequence starting with a non-ASCII byte at `index`, or `nil`
    /// (Unicode Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
    static func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard bytes.count - index >= length else { return nil }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { return nil }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            return nil
        }
        return length
    }

    /// Whether `bytes` is entirely well-formed UTF-8.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < bytes.count {
            while bytes.count - index >= 8, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
            }
            guard index < bytes.count else { break }
            if bytes[index] < 0x80 {
                index += 1
            } else {
                guard let length = utf8SequenceLength(bytes, at: index) else { return false }
                index += length
            }
        }
        return true
    }

    /// The text of a scanned string value, escapes decoded. The value was validated, so every escape is
    /// well-formed and surrogates are paired.
    func decodeString(_ value: Value) -> String {
        let contents = UnsafeRawBufferPointer(rebasing: bytes[(value.start + 1)..<(value.end - 1)])
        guard value.escaped else { return String(decoding: contents, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(contents.count)
        var index = 0
        while index < contents.count {
            let byte = contents[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < contents.count else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = contents[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(JSONScanner.hex4(contents, at: index))
                index += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF && index + 6 <= contents.count {
                    let low = UInt32(JSONScanner.hex4(contents, at: index + 2))
                    // Wrapping arithmetic: validation paired the surrogates, and if it had not, an
                    // invalid scalar is dropped below instead of trapping.
                    scalar = 0x10000 &+ ((scalar &- 0xD800) &<< 10) &+ (low &- 0xDC00)
                    index += 6
                }
                if let unicode = Unicode.Scalar(scalar) {
                    output.append(contentsOf: unicode.utf8)
                }
            default: output.append(escape)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hex4(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt16 {
        var value: UInt16 = 0
        for offset in 0..<4 where index + offset < bytes.count {
            value = value << 4 | UInt16(hexValue(bytes[index + offset]) ?? 0)
        }
        return value
    }

    /// Whether a scanned string value's text equals `name` (no allocation unless the key has escapes).
    func stringEquals(_ value: Value, _ name: StaticString) -> Bool {
        let length = value.end - value.start - 2
        if value.escaped {
            return decodeString(value).utf8.elementsEqual(
                UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        guard length == name.utf8CodeUnitCount else { return false }
        let pointer = name.utf8Start
        for offset in 0..<length where bytes[value.start + 1 + offset] != pointer[offset] {
            return false
        }
        return true
    }
}
