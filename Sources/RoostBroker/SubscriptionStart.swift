/// Where a new subscription starts in each topic its filter matched when the start was found: what
/// ``Broker/immediateStart(for:)`` or ``Broker/findStart(for:completion:)`` returns and
/// ``Broker/subscribe(_:from:sink:)`` takes. Finding it may read time indexes; using it never does.
public struct SubscriptionStart: Sendable {
    /// Start offset by topic name.
    let positions: [String: Int64]
}
