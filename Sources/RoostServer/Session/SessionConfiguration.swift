/// Per-connection limits and defaults of broker sessions (the wire protocol over `/v1/ws`).
///
/// Message size and publish batch limits are the broker's (`BrokerConfiguration.maxMessageBytes`,
/// `maxBatchMessages`, `maxBatchBytes`: errors `message_too_large`, `batch_too_large`); frame size limits are the
/// transport's (``ServerConfiguration/maxMessageSize``: close 1009). Docs/operations.md lists every field.
public struct SessionConfiguration: Sendable, Hashable {
    /// Most open subscriptions on one connection; one more gets `too_many_subscriptions`. Default 100: a
    /// service follows a handful of topics or patterns; the cap bounds what one connection can pin in the broker.
    public var maxSubscriptionsPerConnection: Int = 100

    /// `max_inflight` of a subscribe that does not say: messages delivered and not yet acked (explicit) or not yet
    /// written to the socket (ack none). Default 1,000: keeps a fast link busy while bounding what one slow
    /// subscriber holds in memory. The upper bound is the broker's `maxInFlightLimit`.
    public var defaultMaxInFlight: Int = 1_000

    /// Largest `batch` a subscribe may ask for (messages per `messages` frame); more gets `invalid_field`.
    /// Default 1,000: a frame of 1,000 small messages amortises per-frame costs; larger frames only add latency.
    public var maxDeliveryBatch: Int = 1_000

    /// `ack_wait_ms` of an explicit-ack subscribe that does not say, ms. Default 30 s, as JetStream.
    public var defaultAckWaitMilliseconds: Int64 = 30_000

    /// `max_deliveries` of a subscribe that does not say; `nil` retries forever. Default 5: a poison message
    /// reaches the dead-letter topic after five tries instead of blocking the consumer.
    public var defaultMaxDeliveries: Int? = 5

    /// Publish requests of one connection that may wait for their confirm. At the limit the server stops reading
    /// from the socket until confirms drain (TCP back pressure, no error). Default 4,096: sixteen times a
    /// publisher window of 256.
    public var maxPendingPublishes: Int = 4_096

    /// Payload bytes of one connection's publishes that may wait for their confirm; same back pressure as
    /// ``maxPendingPublishes``. Default 16 MiB: a few full-size batches.
    public var maxPendingPublishBytes: Int = 16 << 20

    /// Outbound bytes a session writes in one go before it checks the socket's writability again. Default
    /// 64 KiB: below the transport's low water mark, so a slow reader is never handed more than one chunk past
    /// the high water mark.
    public var writeChunkBytes: Int = 64 << 10

    /// Creates the default configuration.
    public init() {}
}
