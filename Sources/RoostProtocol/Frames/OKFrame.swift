/// `ok`: confirms the request with the same `id`. Which fields are present depends on the request:
/// publish → offset, timestamp, durable; publish_batch → offset (the first), count, timestamp, durable;
/// subscribe → sub; others → only the id.
public struct OKFrame: Sendable, Equatable {
    /// The request's id, echoed byte for byte.
    public var id: RequestID
    /// The (first) stored offset.
    public var offset: Int64?
    /// The broker timestamp given to the stored message(s), ms since the epoch.
    public var timestamp: Int64?
    /// How many messages a batch stored.
    public var count: UInt32?
    /// Whether the message is on disk (fdatasync'ed) at the time of this confirm.
    public var durable: Bool?
    /// The subscription id chosen by the server.
    public var sub: String?

    /// Creates a confirm.
    public init(
        id: RequestID, offset: Int64? = nil, timestamp: Int64? = nil, count: UInt32? = nil, durable: Bool? = nil,
        sub: String? = nil
    ) {
        self.id = id
        self.offset = offset
        self.timestamp = timestamp
        self.count = count
        self.durable = durable
        self.sub = sub
    }
}
