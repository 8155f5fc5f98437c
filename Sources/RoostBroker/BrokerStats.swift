/// Totals for the server's stats endpoint. Rates are the caller's to compute from two snapshots.
public struct BrokerStats: Sendable, Hashable {
    public var topics: Int
    public var consumers: Int
    public var durableConsumers: Int
    public var subscriptions: Int
    /// Messages appended since the broker started.
    public var messagesIn: Int64
    /// Deliveries (first deliveries and redeliveries) since the broker started.
    public var messagesOut: Int64
    /// Publishes answered from the dedup table since the broker started.
    public var duplicatesDropped: Int64
    /// Bytes the read cache holds now, as it charges them (`readCacheBytes` is the limit).
    public var readCacheBytes: Int = 0
    /// Chunks the read cache holds now.
    public var readCacheChunks: Int = 0
}
