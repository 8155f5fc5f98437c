/// Something that wants to know when a topic got new messages: a consumer's delivery pump.
public protocol LiveListener: AnyObject, Sendable {
    /// New messages are available on `topic`. Called on the appending thread: must not block (no log reads, no
    /// waiting); handing messages already in memory to sinks is fine.
    func messagesAvailable(topic: String)
}

/// The live half of delivery, behind a protocol so a scale-out backend (Redis Pub/Sub, NATS core) can
/// replace the in-process one: it receives newly appended messages, keeps the newest of them in memory
/// for subscribers at the tail, and wakes the listeners of the topic. Catch-up always works from the log,
/// so a fan-out may forget messages at any time: correctness never depends on it, only speed.
public protocol LiveFanOut: Sendable {
    /// Messages just appended to `topic`, consecutive and in offset order.
    func publish(topic: String, messages: [Message])
    /// Up to `maxMessages` consecutive messages of `topic` starting exactly at `offset`, from memory; empty
    /// when the fan-out does not hold `offset`.
    func recent(topic: String, from offset: Int64, maxMessages: Int) -> [Message]
    /// Starts waking `listener` on publishes to `topic`.
    func addListener(_ listener: any LiveListener, topic: String)
    /// Stops waking `listener` for `topic`.
    func removeListener(_ listener: any LiveListener, topic: String)
    /// Forgets a deleted topic's messages and listeners.
    func removeTopic(_ topic: String)
    /// The offset after the last message published to `topic` through this fan-out, or `nil` when unknown. A
    /// consumer missing a message below it reads the log (the fan-out forgot it); at or above it the message is
    /// on its way (appended, not yet published here) and the publish will wake the consumer, so it does not read.
    func publishedEnd(topic: String) -> Int64?
    /// How many listeners (consumers) follow `topic`, or `nil` when unknown. One alone has no one to share the read
    /// cache's chunks with (see `TopicReadCache`).
    func listenerCount(topic: String) -> Int?
}

extension LiveFanOut {
    /// Unknown: consumers read the log whenever the fan-out does not hold what they need.
    public func publishedEnd(topic: String) -> Int64? { nil }

    /// Unknown: the read cache keeps what consumers read as if they were many.
    public func listenerCount(topic: String) -> Int? { nil }
}
