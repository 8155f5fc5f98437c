/// `unsubscribe`: close a subscription. A durable consumer keeps its position; its unacked messages
/// become available to other members or to the next subscription.
public struct UnsubscribeFrame: Sendable, Equatable {
    /// Correlates the `ok` or `error`; `nil` for fire-and-forget.
    public var id: RequestID?
    /// The subscription, as returned in the subscribe `ok`.
    public var sub: String

    /// Creates an unsubscribe request.
    public init(id: RequestID? = nil, sub: String) {
        self.id = id
        self.sub = sub
    }
}
