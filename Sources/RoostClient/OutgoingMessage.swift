import NIOCore
import RoostProtocol

/// A message to publish: payload bytes plus optional key, headers and dedup id.
public struct OutgoingMessage: Sendable, Equatable {
    /// The payload bytes (any bytes; in the JSON encoding valid JSON travels as-is, the rest as base64).
    public var data: ByteBuffer
    /// Optional key.
    public var key: String?
    /// Headers, in order.
    public var headers: [Header]
    /// Publisher-chosen dedup id; `nil` lets the client assign one (see
    /// ``RoostClientConfiguration/assignDedupIDs``).
    public var dedupID: String?

    /// Creates a message from bytes.
    public init(data: ByteBuffer, key: String? = nil, headers: [Header] = [], dedupID: String? = nil) {
        self.data = data
        self.key = key
        self.headers = headers
        self.dedupID = dedupID
    }

    /// Creates a message from a string's UTF-8 bytes.
    public init(_ string: String, key: String? = nil, headers: [Header] = [], dedupID: String? = nil) {
        self.init(data: ByteBuffer(string: string), key: key, headers: headers, dedupID: dedupID)
    }

    func entry(dedupID assigned: String?) -> PublishEntry {
        PublishEntry(
            key: key.map { ByteBuffer(string: $0) }, headers: headers, dedupID: dedupID ?? assigned, payload: data)
    }
}

extension OutgoingMessage {
    /// Payload, key, header and dedup id bytes: what the message adds to a batch, give or take a few bytes
    /// of framing (an id the client assigns later is counted as its usual 15 bytes).
    var batchBytes: Int {
        var total = data.readableBytes + (key?.utf8.count ?? 0) + (dedupID?.utf8.count ?? 15)
        for header in headers { total += header.name.utf8.count + header.value.utf8.count }
        return total
    }
}
