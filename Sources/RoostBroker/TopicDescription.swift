import RoostStorage

/// A topic as an operator sees it.
public struct TopicDescription: Sendable, Hashable {
    public var name: String
    /// First retained offset.
    public var startOffset: Int64
    /// Offset of the next message.
    public var endOffset: Int64
    /// Bytes the log uses.
    public var sizeInBytes: Int64
    public var configuration: LogConfiguration
    /// Created by a first publish (auto-create) rather than explicitly.
    public var autoCreated: Bool
    /// ms since the epoch; 0 when unknown.
    public var createdAt: Int64
    /// Whether it is a broker-owned `$` topic (dead letters).
    public var system: Bool

    /// Messages retained.
    public var messageCount: Int64 { endOffset - startOffset }
}
