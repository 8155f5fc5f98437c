/// Decides whether bytes are one valid JSON text (RFC 8259, UTF-8, nesting at most `maxDepth`).
///
/// Used when delivering over the JSON encoding: a payload that is valid JSON goes out as `"data":<bytes>`
/// exactly as stored, anything else as `"data_b64"`. One pass, no allocation.
public enum JSONValidator {
    /// Whether `bytes` is one complete JSON value with optional surrounding whitespace.
    public static func isValid(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONFrameCodec.defaultMaxDepth) -> Bool {
        var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth)
        do {
            _ = try scanner.scanDocument()
            return true
        } catch {
            return false
        }
    }
}
