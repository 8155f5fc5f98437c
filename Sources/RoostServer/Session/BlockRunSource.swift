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
        // Field by field from the array's storage: copying the whole `StoredRecord` first would retain and release
        // its key, headers and payload once more per message.
        block.records.withUnsafeBufferPointer { records in
            let position = range.lowerBound + index
            return DeliveryFields(
                offset: records[position].offset, timestamp: records[position].timestamp, key: records[position].key,
                headers: records[position].headers.isEmpty ? [] : Self.userHeaders(records[position].headers),
                payload: records[position].value)
        }
    }

    private static func userHeaders(_ headers: [RecordHeader]) -> [Header] {
        BrokerHeaders.userHeaders(headers).map { Header(name: $0.name, value: $0.value) }
    }
}
