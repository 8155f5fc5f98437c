import NIOCore

/// One message as a publisher hands it over: the part of `publish` and of each `publish_batch` element
/// that is not about the topic or the request.
public struct PublishEntry: Sendable, Equatable {
    /// Optional key bytes (JSON `key` as a string, or `key_b64` for bytes that are not UTF-8).
    public var key: ByteBuffer?
    /// Headers in the order sent.
    public var headers: [Header]
    /// Optional publisher-chosen id: a retried publish with the same `dedup_id` is stored once.
    public var dedupID: String?
    /// The payload bytes. From JSON `data` these are the value's JSON text exactly as sent; from
    /// `data_b64` the decoded bytes. Encoders pick `data` when the bytes are valid JSON, else `data_b64`.
    public var payload: ByteBuffer

    /// Creates an entry.
    public init(key: ByteBuffer? = nil, headers: [Header] = [], dedupID: String? = nil, payload: ByteBuffer) {
        self.key = key
        self.headers = headers
        self.dedupID = dedupID
        self.payload = payload
    }
}
