import RoostBroker

// The JSON documents of the admin API, exactly as /work/briefs/admin-api.md spells them (snake_case, times in
// ms since the epoch). Encoded with `JSONEncoder` and sorted keys: the admin API is a cold path, where Codable's
// clarity is worth more than a hand-written writer's speed.

/// A topic description.
struct AdminTopic: Encodable {
    var name: String
    var startOffset: Int64
    var endOffset: Int64
    var messages: Int64
    var sizeBytes: Int64
    var system: Bool
    var config: AdminTopicConfig

    enum CodingKeys: String, CodingKey {
        case name, startOffset = "start_offset", endOffset = "end_offset", messages, sizeBytes = "size_bytes"
        case system, config
    }

    init(_ topic: TopicDescription) {
        name = topic.name
        startOffset = topic.startOffset
        endOffset = topic.endOffset
        messages = topic.messageCount
        sizeBytes = topic.sizeInBytes
        system = topic.system
        config = AdminTopicConfig(topic.configuration)
    }
}

/// A consumer description.
struct AdminConsumer: Encodable {
    struct Cursor: Encodable {
        var topic: String
        var ackFloor: Int64
        var pending: Int
        var endOffset: Int64
        var lag: Int64

        enum CodingKeys: String, CodingKey {
            case topic, ackFloor = "ack_floor", pending, endOffset = "end_offset", lag
        }
    }

    var name: String
    var filter: String
    var ack: String
    var ackWaitMs: Int64
    var maxDeliveries: Int?
    var maxInflight: Int
    var members: Int
    var durable: Bool
    var cursors: [Cursor]
    var lag: Int64

    enum CodingKeys: String, CodingKey {
        case name, filter, ack, ackWaitMs = "ack_wait_ms", maxDeliveries = "max_deliveries"
        case maxInflight = "max_inflight", members, durable, cursors, lag
    }

    /// `maxInflight`: the attached members' limit, or the session default when none is attached.
    init(_ consumer: ConsumerDescription, maxInflight: Int) {
        name = consumer.name
        filter = consumer.filter
        ack = consumer.ackPolicy.rawValue
        ackWaitMs = consumer.ackWaitMilliseconds
        maxDeliveries = consumer.maxDeliveries
        self.maxInflight = maxInflight
        members = consumer.members
        durable = consumer.durable
        cursors = consumer.topics.map {
            Cursor(topic: $0.topic, ackFloor: $0.ackFloor, pending: $0.unacked, endOffset: $0.endOffset, lag: $0.lag)
        }
        lag = consumer.lag
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(filter, forKey: .filter)
        try c.encode(ack, forKey: .ack)
        try c.encode(ackWaitMs, forKey: .ackWaitMs)
        try c.encode(maxDeliveries, forKey: .maxDeliveries)
        try c.encode(maxInflight, forKey: .maxInflight)
        try c.encode(members, forKey: .members)
        try c.encode(durable, forKey: .durable)
        try c.encode(cursors, forKey: .cursors)
        try c.encode(lag, forKey: .lag)
    }
}

/// The server stats document.
struct AdminStats: Encodable {
    struct Rates: Encodable {
        var messagesInPerS: Double
        var messagesOutPerS: Double

        enum CodingKeys: String, CodingKey {
            case messagesInPerS = "messages_in_per_s", messagesOutPerS = "messages_out_per_s"
        }
    }

    var uptimeMs: Int64
    var connections: Int
    var subscriptions: Int
    var topics: Int
    var consumers: Int
    var messagesIn: Int64
    var messagesOut: Int64
    var bytesIn: Int64
    var bytesOut: Int64
    var storageBytes: Int64
    var rates: Rates

    enum CodingKeys: String, CodingKey {
        case uptimeMs = "uptime_ms", connections, subscriptions, topics, consumers, messagesIn = "messages_in"
        case messagesOut = "messages_out", bytesIn = "bytes_in", bytesOut = "bytes_out", storageBytes = "storage_bytes"
        case rates
    }
}

/// `POST /v1/admin/topics` body.
struct AdminCreateTopic: Decodable {
    var name: String
    var config: AdminTopicConfig?
}

/// `PATCH /v1/admin/topics/{name}` body.
struct AdminAlterTopic: Decodable {
    var config: AdminTopicConfig?
}
