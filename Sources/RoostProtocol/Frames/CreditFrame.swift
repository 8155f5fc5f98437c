/// `credit`: allow `n` more deliveries on a subscription (flow control). Never answered with `ok`.
public struct CreditFrame: Sendable, Equatable {
    /// The subscription.
    public var sub: String
    /// How many more messages the subscriber can take.
    public var n: UInt32

    /// Creates a credit grant.
    public init(sub: String, n: UInt32) {
        self.sub = sub
        self.n = n
    }
}
