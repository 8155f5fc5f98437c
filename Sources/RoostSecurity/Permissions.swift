/// What a principal may do: topic filters for publishing, subscribing and administering, and the durable
/// consumer names it may create or attach to. Everything not granted is denied.
///
/// The JSON shape (a static token's `permissions`, a JWT's `roost` claim):
///
/// ```json
/// {"publish": ["orders.>"], "subscribe": ["orders.>", "audit.*"], "admin": [], "consumers": ["billing-*"]}
/// ```
///
/// Each key may be left out (nothing granted). `admin` filters grant admin calls on matching topics; calls about
/// the whole broker (stats, metrics, listing every topic) need `admin: [">"]`.
public struct Permissions: Sendable, Hashable {
    /// Topics that may be published to.
    public var publish: TopicFilterSet
    /// Topics that may be read, by a subscription to the topic or to a pattern that matches only granted topics.
    public var subscribe: TopicFilterSet
    /// Topics whose admin calls (create, alter, delete, consumer reset) are allowed.
    public var admin: TopicFilterSet
    /// Durable consumer names that may be used. Ephemeral subscriptions (no name) need none.
    public var consumers: [ConsumerNamePattern]

    /// Grants exactly what is passed; `Permissions()` grants nothing.
    public init(
        publish: TopicFilterSet = .none, subscribe: TopicFilterSet = .none, admin: TopicFilterSet = .none,
        consumers: [ConsumerNamePattern] = []
    ) {
        self.publish = publish
        self.subscribe = subscribe
        self.admin = admin
        self.consumers = consumers
    }

    /// Every permission: what a connection has when authentication is off.
    public static let unrestricted = Permissions(
        publish: .all, subscribe: .all, admin: .all, consumers: [ConsumerNamePattern("*")].compactMap { $0 })

    /// Whether a publish to `topic` is allowed.
    public func canPublish(topic: String) -> Bool {
        self.publish.allows(topic: topic)
    }

    /// Whether a subscription to `topic` (a name or a pattern) with the durable consumer `consumer` (nil:
    /// ephemeral) is allowed: every topic the pattern can match must be granted, and the consumer name must match
    /// a consumer pattern. An unparsable pattern is not allowed.
    public func canSubscribe(topic: String, consumer: String?) -> Bool {
        guard let filter = TopicFilter(topic), self.subscribe.covers(filter) else { return false }
        return consumer.map(self.canUseConsumer) ?? true
    }

    /// Whether the durable consumer name `name` may be used.
    public func canUseConsumer(_ name: String) -> Bool {
        self.consumers.contains { $0.matches(name) }
    }

    /// Whether an admin call about the one topic `topic` is allowed.
    public func canAdminister(topic: String) -> Bool {
        self.admin.allows(topic: topic)
    }

    /// Whether admin calls about the whole broker (stats, metrics, lists) are allowed: admin over `>`.
    public var isAdministrator: Bool {
        self.admin.coversEverything
    }
}

extension Permissions: Codable {
    private enum CodingKeys: String, CodingKey {
        case publish, subscribe, admin, consumers
    }

    /// Decodes the JSON shape above; a malformed filter or consumer pattern is an error naming it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func filters(_ key: CodingKeys) throws -> TopicFilterSet {
            let texts = try container.decodeIfPresent([String].self, forKey: key) ?? []
            return TopicFilterSet(try texts.map { text in
                guard let filter = TopicFilter(text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: container, debugDescription: "'\(text)' is not a topic name or pattern")
                }
                return filter
            })
        }
        self.publish = try filters(.publish)
        self.subscribe = try filters(.subscribe)
        self.admin = try filters(.admin)
        let names = try container.decodeIfPresent([String].self, forKey: .consumers) ?? []
        self.consumers = try names.map { text in
            guard let pattern = ConsumerNamePattern(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .consumers, in: container, debugDescription: "'\(text)' is not a consumer name pattern")
            }
            return pattern
        }
    }

    /// Encodes the JSON shape above.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.publish.filters.map(\.description), forKey: .publish)
        try container.encode(self.subscribe.filters.map(\.description), forKey: .subscribe)
        try container.encode(self.admin.filters.map(\.description), forKey: .admin)
        try container.encode(self.consumers.map(\.description), forKey: .consumers)
    }
}
