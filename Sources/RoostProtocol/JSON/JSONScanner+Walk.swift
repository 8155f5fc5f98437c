extension JSONScanner {
    // Walking values that were already validated: no checks beyond staying inside `bytes`, so a nested
    // object (headers, a batch element) costs one light pass instead of a second validation.

    /// The members of an already validated object, in order.
    func members(of object: Value) -> [Member] {
        var walker = JSONScanner(bytes: bytes, index: object.start + 1, maxDepth: maxDepth)
        var members: [Member] = []
        while true {
            walker.skipWhitespace()
            guard walker.index < object.end, walker.bytes[walker.index] == UInt8(ascii: "\"") else { return members }
            let key = walker.skipValidated()
            walker.skipWhitespace()
            walker.index += 1  // ':'
            walker.skipWhitespace()
            members.append(Member(key: key, value: walker.skipValidated()))
            walker.skipWhitespace()
            walker.index += 1  // ',' or '}'
        }
    }

    /// The elements of an already validated array and, for those that are objects, their members, in one walk
    /// (a `publish_batch` is an array of small objects: walking the elements and then each element again would
    /// pass over every payload twice, and allocate a member array per element).
    func objectElements(of array: Value) -> ObjectElements {
        var walker = JSONScanner(bytes: bytes, index: array.start + 1, maxDepth: maxDepth)
        var result = ObjectElements()
        while true {
            walker.skipWhitespace()
            guard walker.index < array.end, walker.bytes[walker.index] != UInt8(ascii: "]") else { return result }
            if walker.bytes[walker.index] == UInt8(ascii: "{") {
                let start = walker.index
                walker.index += 1
                while true {
                    walker.skipWhitespace()
                    guard walker.index < array.end, walker.bytes[walker.index] == UInt8(ascii: "\"") else { break }
                    let key = walker.skipValidated()
                    walker.skipWhitespace()
                    walker.index += 1  // ':'
                    walker.skipWhitespace()
                    result.members.append(Member(key: key, value: walker.skipValidated()))
                    walker.skipWhitespace()
                    guard walker.index < array.end, walker.bytes[walker.index] == UInt8(ascii: ",") else { break }
                    walker.index += 1
                }
                walker.index += 1  // '}'
                result.elements.append(Value(kind: .object, start: start, end: walker.index, escaped: false))
            } else {
                result.elements.append(walker.skipValidated())
            }
            result.memberEnds.append(result.members.count)
            walker.skipWhitespace()
            walker.index += 1  // ',' or ']'
        }
    }

    /// Moves past the validated value at `index` and says where it was.
    private mutating func skipValidated() -> Value {
        let start = index
        guard index < bytes.count else { return Value(kind: .null, start: start, end: start, escaped: false) }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            let escaped = skipStringContents()
            return Value(kind: .string, start: start, end: index, escaped: escaped)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let kind: Kind = bytes[index] == UInt8(ascii: "{") ? .object : .array
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    _ = skipStringContents()
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
                index += 1
                if depth == 0 { break }
            }
            return Value(kind: kind, start: start, end: index, escaped: false)
        default:
            let kind: Kind = switch bytes[index] {
            case UInt8(ascii: "t"): .true
            case UInt8(ascii: "f"): .false
            case UInt8(ascii: "n"): .null
            default: .number
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
                    || JSONScanner.isWhitespace(byte) {
                    break
                }
                index += 1
            }
            return Value(kind: kind, start: start, end: index, escaped: false)
        }
    }

    /// At an opening quote: moves past the closing one; returns whether an escape was seen.
    private mutating func skipStringContents() -> Bool {
        var escaped = false
        index += 1
        while index < bytes.count {
            index = JSONScanner.skipPlainASCII(bytes, from: index)
            guard index < bytes.count else { break }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return escaped
            case UInt8(ascii: "\\"):
                escaped = true
                index += 2
            default:
                index += 1
            }
        }
        return escaped
    }
}

/// The elements of a JSON array with the members of those that are objects (`JSONScanner.objectElements(of:)`).
struct ObjectElements {
    /// Every element, in order.
    var elements: [JSONScanner.Value] = []
    /// The members of all object elements, element after element.
    var members: [JSONScanner.Member] = []
    /// Where each element's members end in `members` (its start is the previous element's end).
    var memberEnds: [Int] = []

    /// The members of element `index` (none when it is not an object).
    func members(of index: Int) -> ArraySlice<JSONScanner.Member> {
        members[(index == 0 ? 0 : memberEnds[index - 1])..<memberEnds[index]]
    }
}
