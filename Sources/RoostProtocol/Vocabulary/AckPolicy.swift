/// How a subscription acknowledges deliveries.
public enum AckPolicy: String, Hashable, Sendable {
    /// Delivered means done; the consumer's position advances on delivery. JSON `"none"`.
    case none
    /// Each message must be acked (or nacked); unacked ones are redelivered after `ack_wait_ms`. JSON `"explicit"`.
    case explicit
}
