/// A JSON syntax error: why and where. Cheap to throw (no strings), because the validator uses the
/// scanner to classify arbitrary payloads and most binary payloads are not JSON.
struct JSONSyntaxError: Error, Hashable, Sendable {
    enum Reason: Hashable, Sendable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case tooDeep(Int)
        case controlCharacterInString
        case invalidEscape
        case unpairedSurrogate
        case invalidUTF8
        case trailingData
        case notAnObject
    }

    var reason: Reason
    /// Byte offset into the frame.
    var offset: Int

    var protocolError: ProtocolError {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let byte):
            let printable = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
            what = "unexpected \(printable)"
        case .tooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidEscape: what = "invalid escape sequence"
        case .unpairedSurrogate: what = "\\u escape with an unpaired surrogate"
        case .invalidUTF8: what = "invalid UTF-8"
        case .trailingData: what = "data after the JSON value"
        case .notAnObject: what = "a frame must be a JSON object"
        }
        return .invalidJSON("invalid JSON: \(what) at byte \(offset)")
    }
}
