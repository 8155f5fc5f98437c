import NIOCore

/// A request id: any JSON number or string, chosen by the client and echoed back byte for byte.
///
/// Stored as the exact JSON token the client sent (`1`, `"s"`, `1.50`, `"a\u0062"`), so echoing it
/// needs no re-encoding and matches whatever the client compares. Always a valid JSON number or
/// string token: the decoders check that, in the binary encoding too, where the token is carried as bytes.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    /// The JSON token, exactly as it appears on the wire.
    public let jsonToken: String

    /// Wraps a JSON token checked by a decoder.
    init(validatedToken: String) {
        self.jsonToken = validatedToken
    }

    /// An integer id, e.g. `RequestID(7)` is the token `7`.
    public init(_ value: Int64) {
        self.jsonToken = String(value)
    }

    /// A string id, JSON-escaped as needed, e.g. `RequestID("s")` is the token `"s"`.
    public init(_ value: String) {
        var buffer = ByteBuffer()
        JSONOutput.writeQuoted(value, into: &buffer)
        self.jsonToken = String(buffer: buffer)
    }

    /// A token from the wire, if it is one JSON number or string; `nil` otherwise.
    public init?(jsonToken: String) {
        var token = jsonToken
        let valid = token.withUTF8 { bytes -> Bool in
            guard let first = bytes.first, let last = bytes.last else { return false }
            let quote = UInt8(ascii: "\"")
            let isString = first == quote && last == quote
            let isNumber = (first == UInt8(ascii: "-") || JSONScanner.isDigit(first)) && JSONScanner.isDigit(last)
            return (isString || isNumber) && JSONValidator.isValid(UnsafeRawBufferPointer(bytes), maxDepth: 1)
        }
        guard valid else { return nil }
        self.jsonToken = jsonToken
    }

    /// The JSON token.
    public var description: String { jsonToken }
}
