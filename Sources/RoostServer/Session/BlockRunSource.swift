import NIOCore
import RoostBroker
import RoostProtocol
import RoostStorage

/// Records `range` of a message block as first deliveries, read in place by a codec's run encoder
/// (``FrameCodec/encodeDeliveryRun(_:)-(DeliveryRunSource)``): no ``DeliveredMessage`` per message.
struct BlockRunSource: DeliveryRunSource {
    let block: MessageBlock
    let range: Range<Int>

    var topic: String { block.topic }
    var count: Int { range.count }

    func fields(at index: Int) -> DeliveryFields {
        block.records.withUnsafeBufferPointer { records in
            let record = records[range.lowerBound + index]
            return DeliveryFields(
                offset: record.offset, timestamp: record.timestamp, key: record.key,
                headers: record.headers.isEmpty
                    ? [] : BrokerHeaders.userHeaders(record.headers).map { Header(name: $0.name, value: $0.value) },
                payload: record.value)
        }
    }
}
