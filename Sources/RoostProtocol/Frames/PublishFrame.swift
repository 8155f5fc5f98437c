/// `publish`: append one message to a topic. With an `id` the server answers `ok` (offset, timestamp,
/// durable) once the message is stored under the topic's fsync policy; without one it answers nothing
/// unless the publish fails.
public struct PublishFrame: Sendable, Equatable {
    /// Correlates the `ok` or `error`; `nil` for fire-and-forget.
    public var id: RequestID?
    /// The topic name (no wildcards).
    public var topic: String
    /// The message.
    public var entry: PublishEntry

    /// Creates a publish request.
    public init(id: RequestID? = nil, topic: String, entry: PublishEntry) {
        self.id = id
        self.topic = topic
        self.entry = entry
    }
}
