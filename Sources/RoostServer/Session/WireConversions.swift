import NIOCore
import RoostBroker
import RoostProtocol
import RoostStorage

// Conversions between the protocol's frame values and the broker's values, at the server boundary (the two
// modules know nothing of each other).

extension RoostBroker.StartPosition {
    init(_ wire: RoostProtocol.StartPosition) {
        switch wire {
        case .earliest: self = .earliest
        case .latest: self = .latest
        case .offset(let offset): self = .offset(offset)
        case .time(let time): self = .time(time)
        }
    }
}

extension RoostBroker.AckPolicy {
    init(_ wire: RoostProtocol.AckPolicy) {
        switch wire {
        case .none: self = .none
        case .explicit: self = .explicit
        }
    }
}

extension PublishMessage {
    init(_ entry: PublishEntry) {
        self.init(
            key: entry.key, headers: entry.headers.map { RecordHeader(name: $0.name, value: $0.value) },
            payload: entry.payload, dedupId: entry.dedupID)
    }
}

extension DeliveredMessage {
    init(_ message: Message, deliveries: Int) {
        self.init(topic: message.topic, record: message.record, deliveries: deliveries)
    }

    init(topic: String, record: StoredRecord, deliveries: Int) {
        self.init(
            topic: topic, offset: record.offset, timestamp: record.timestamp, key: record.key,
            headers: BrokerHeaders.userHeaders(record.headers).map { Header(name: $0.name, value: $0.value) }, payload: record.value,
            deliveries: UInt32(clamping: deliveries))
    }
}
