/// Why a frame could not be decoded: a stable wire code, the field at fault, and a human message.
///
/// The server turns it into an `error` frame with `ErrorFrame(error)`, echoing `requestID` when the
/// frame was readable far enough to find its `id`, so the client can match the rejection to its request.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable code for the `error` frame.
    public var code: ErrorCode
    /// The field at fault (JSON name, e.g. `"topic"` or `"messages[2].data"`), if one is.
    public var field: String?
    /// A human message; says what was expected.
    public var message: String
    /// The `id` of the rejected request, when it could be read.
    public var requestID: RequestID?

    /// Creates an error; `message` defaults to the code's registry message.
    public init(code: ErrorCode, field: String? = nil, message: String? = nil, requestID: RequestID? = nil) {
        self.code = code
        self.field = field
        self.message = message ?? code.defaultMessage
        self.requestID = requestID
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    static func invalidJSON(_ message: String) -> ProtocolError {
        ProtocolError(code: .invalidJSON, message: message)
    }

    static func malformed(_ message: String) -> ProtocolError {
        ProtocolError(code: .malformedFrame, message: message)
    }

    static func missing(_ field: String) -> ProtocolError {
        ProtocolError(code: .missingField, field: field, message: "missing field '\(field)'")
    }

    static func invalid(_ field: String, _ expectation: String) -> ProtocolError {
        ProtocolError(code: .invalidField, field: field, message: "field '\(field)' \(expectation)")
    }

    static func unknownOp(_ op: Op) -> ProtocolError {
        ProtocolError(code: .unknownOp, field: "op", message: "unknown op '\(op.rawValue)'")
    }
}
