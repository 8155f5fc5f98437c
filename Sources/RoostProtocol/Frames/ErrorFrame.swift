/// `error`: rejects the request with `id`, or, without an id, reports a failed fire-and-forget request
/// or a frame too broken to have a readable id. The connection stays open.
public struct ErrorFrame: Sendable, Equatable {
    /// The rejected request's id, if known.
    public var id: RequestID?
    /// The stable code (see `ErrorCode`).
    public var code: ErrorCode
    /// A human message.
    public var message: String

    /// Creates an error frame; `message` defaults to the code's registry message.
    public init(id: RequestID? = nil, code: ErrorCode, message: String? = nil) {
        self.id = id
        self.code = code
        self.message = message ?? code.defaultMessage
    }

    /// The reply to a frame that failed to decode.
    public init(_ error: ProtocolError) {
        self.init(id: error.requestID, code: error.code, message: error.message)
    }
}
