/// Where a new consumer starts reading a topic. An existing durable consumer resumes from its own
/// position and ignores this.
public enum StartPosition: Hashable, Sendable {
    /// The oldest message still stored. JSON `"earliest"`.
    case earliest
    /// Only messages published after the subscription opens. JSON `"latest"`.
    case latest
    /// The message with this offset (clamped by the broker to the stored range). JSON `{"offset":N}`.
    case offset(Int64)
    /// The first message with a timestamp at or after this time, ms since the epoch. JSON `{"time":T}`.
    case time(Int64)
}
