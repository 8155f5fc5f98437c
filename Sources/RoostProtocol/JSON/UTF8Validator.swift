import NIOCore

/// Checks that bytes are well-formed UTF-8 (Unicode Table 3-7: no overlong forms, no surrogates,
/// nothing above U+10FFFF), eight ASCII bytes at a time.
///
/// For the WebSocket layer: RFC 6455 requires closing with 1007 on a text message that is not UTF-8,
/// which this answers before the JSON decoder runs (the decoder also rejects such bytes, as `invalid_json`).
public enum UTF8Validator {
    /// Whether the readable bytes of `buffer` are well-formed UTF-8.
    public static func isValid(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { JSONScanner.isValidUTF8($0) }
    }
}
