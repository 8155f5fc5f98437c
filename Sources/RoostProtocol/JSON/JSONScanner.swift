/// A strict RFC 8259 scanner over one complete JSON text in memory.
///
/// It validates (syntax, UTF-8 inside strings, escapes including surrogate pairs, nesting depth) and
/// reports where each value lies instead of building a tree, so the codec can keep `data` as a slice of
/// the frame and decode only the fields it needs. It never reads outside `bytes`: every read is behind
/// an `index < bytes.count` check, and recursion is bounded by `maxDepth`.
///
/// The pointer is only valid inside the `withUnsafeReadableBytes` call that made it, so a scanner and
/// its `Value`s never escape that call.
struct JSONScanner {
    enum Kind: UInt8 {
        case object, array, string, number, `true`, `false`, null
    }

    /// Where a value lies: `start ..< end` in `bytes`, quotes included for strings.
    struct Value {
        var kind: Kind
        var start: Int
        var end: Int
        /// For strings: whether it holds a backslash escape (and so needs unescaping).
        var escaped: Bool
    }

    /// An object member: the key (a string value) and its value.
    struct Member {
        var key: Value
        var value: Value
    }

    let bytes: UnsafeRawBufferPointer
    var index: Int
    let maxDepth: Int

    init(bytes: UnsafeRawBufferPointer, index: Int = 0, maxDepth: Int) {
        self.bytes = bytes
        self.index = index
        self.maxDepth = maxDepth
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// Scans a whole frame: one object, optional surrounding whitespace, nothing after it. Returns its
    /// members in order.
    mutating func scanFrameObject() throws(JSONSyntaxError) -> [Member] {
        skipWhitespace()
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        guard bytes[index] == UInt8(ascii: "{") else { throw fail(.notAnObject) }
        var members: [Member] = []
        members.reserveCapacity(8)
        try scanObject(depth: 1) { members.append($0) }
        skipWhitespace()
        guard index == bytes.count else { throw fail(.trailingData) }
        return members
    }

    /// Scans one complete JSON text of any type, with nothing but whitespace around it.
    mutating func scanDocument() throws(JSONSyntaxError) -> Value {
        skipWhitespace()
        let value = try scanValue(depth: 1)
        skipWhitespace()
        guard index == bytes.count else { throw fail(.trailingData) }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count, JSONScanner.isWhitespace(bytes[index]) {
            index += 1
        }
    }

    func fail(_ reason: JSONSyntaxError.Reason) -> JSONSyntaxError {
        JSONSyntaxError(reason: index < bytes.count ? reason : .unexpectedEnd, offset: index)
    }

    /// Scans the value at `index`; `depth` is the nesting level it would have as a container.
    mutating func scanValue(depth: Int) throws(JSONSyntaxError) -> Value {
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try scanObject(depth: depth) { _ in }
            return Value(kind: .object, start: start, end: index, escaped: false)
        case UInt8(ascii: "["):
            try scanArray(depth: depth)
            return Value(kind: .array, start: start, end: index, escaped: false)
        case UInt8(ascii: "\""):
            return try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
            return Value(kind: .number, start: start, end: index, escaped: false)
        case UInt8(ascii: "t"):
            try scanLiteral("true")
            return Value(kind: .true, start: start, end: index, escaped: false)
        case UInt8(ascii: "f"):
            try scanLiteral("false")
            return Value(kind: .false, start: start, end: index, escaped: false)
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return Value(kind: .null, start: start, end: index, escaped: false)
        case let byte:
            throw fail(.unexpectedByte(byte))
        }
    }

    private mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        guard bytes[index] == byte else { throw fail(.unexpectedByte(bytes[index])) }
        index += 1
    }

    private mutating func scanObject(depth: Int, _ onMember: (Member) -> Void) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw fail(.tooDeep(maxDepth)) }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(bytes[index])) }
            let key = try scanString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try scanValue(depth: depth + 1)
            onMember(Member(key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            try expect(UInt8(ascii: ","))
            skipWhitespace()
        }
    }

    private mutating func scanArray(depth: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw fail(.tooDeep(maxDepth)) }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            _ = try scanValue(depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            try expect(UInt8(ascii: ","))
            skipWhitespace()
        }
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw JSONSyntaxError(reason: .unexpectedEnd, offset: bytes.count) }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            index += offset
            throw fail(.unexpectedByte(bytes[index]))
        }
        index += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func scanNumber() throws(JSONSyntaxError) {
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
        }
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            try scanDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try scanDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            try scanDigits()
        }
    }

    /// One or more digits.
    private mutating func scanDigits() throws(JSONSyntaxError) {
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        guard JSONScanner.isDigit(bytes[index]) else { throw fail(.unexpectedByte(bytes[index])) }
        index += 1
        while index < bytes.count, JSONScanner.isDigit(bytes[index]) {
            index += 1
        }
    }
}
