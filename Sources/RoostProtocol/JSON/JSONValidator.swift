/// Decides whether bytes are one valid JSON text (RFC 8259, UTF-8, nesting at most `maxDepth`).
///
/// Used when delivering over the JSON encoding: a payload that is valid JSON goes out as `"data":<bytes>`
/// exactly as stored, anything else as `"data_b64"`. One pass, no allocation.
public enum JSONValidator {
    /// Whether `bytes` is one complete JSON value with optional surrounding whitespace.
    public static func isValid(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONFrameCodec.defaultMaxDepth) -> Bool {
        // Most non-JSON payloads fail on their first byte: answer those without raising an error.
        var first = 0
        while first < bytes.count, JSONScanner.isWhitespace(bytes[first]) { first += 1 }
        guard first < bytes.count else { return false }
        switch bytes[first] {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            break
        default:
            return false
        }
        var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth)
        do {
            _ = try scanner.scanDocument()
            return true
        } catch {
            return false
        }
    }
}
