import Dispatch
import NIOCore
import RoostStorage
import Synchronization
import Testing

@testable import RoostBroker

@Suite struct MessageBlockTests {
    private func records(_ count: Int) -> [StoredRecord] {
        (0..<count).map { StoredRecord(offset: 1_000 + Int64($0), timestamp: 5, value: ByteBuffer(string: "m\($0)")) }
    }

    /// Messages made together share one block and know their place in it; segments cover the block in order.
    @Test func messagesShareTheirBlockAndSegmentsCoverIt() {
        let messages = MessageBlock.messages(topic: "t", records: records(600))
        let block = messages[0].block
        #expect(messages.allSatisfy { $0.block === block && $0.topic == "t" })
        #expect(messages.map(\.index) == Array(0..<600))
        #expect(messages.map(\.offset) == (0..<600).map { 1_000 + Int64($0) })
        #expect(String(buffer: messages[599].record.value) == "m599")
        #expect(block.segmentRange(0) == 0..<256)
        #expect(block.segmentRange(1) == 256..<512)
        #expect(block.segmentRange(2) == 512..<600)
        let single = Message(topic: "u", record: records(1)[0])
        #expect(single.block.records.count == 1 && single.index == 0 && single.offset == 1_000)
    }

    /// Each segment is encoded once per key, however many threads ask at once; keys and segments are apart.
    @Test func eachSegmentIsEncodedOncePerKey() {
        let block = MessageBlock.messages(topic: "t", records: records(300))[0].block
        let calls = Mutex(0)
        let json = MessageEncodingKey(rawValue: 1)
        let binary = MessageEncodingKey(rawValue: 2)
        let wrong = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 64) { iteration in
            let key = iteration % 2 == 0 ? json : binary
            let segment = (iteration / 2) % 2
            let value = block.encoded(as: key, segment: segment) { _, range in
                calls.withLock { $0 += 1 }
                return "\(key.rawValue):\(range)"
            }
            if value != "\(key.rawValue):\(block.segmentRange(segment))" { wrong.withLock { $0 += 1 } }
        }
        #expect(calls.withLock { $0 } == 4)
        #expect(wrong.withLock { $0 } == 0, "every caller got its own key's and segment's value")
    }

    /// Only the last few segments made per key stay cached: an older one is made again when asked for.
    @Test func onlyTheLastFewSegmentsStayCached() {
        let kept = MessageBlock.cachedSegments
        let block = MessageBlock.messages(topic: "t", records: records(256 * (kept + 2)))[0].block
        let key = MessageEncodingKey(rawValue: 1)
        var made: [Int] = []
        let encode = { (segment: Int) in block.encoded(as: key, segment: segment) { _, _ in made.append(segment); return segment } }
        for segment in 0..<kept + 2 { _ = encode(segment) }
        _ = encode(kept + 1)
        _ = encode(2)
        #expect(made == Array(0..<kept + 2), "segments 2...\(kept + 1) are the last \(kept) made")
        _ = encode(0)
        #expect(made == Array(0..<kept + 2) + [0], "segment 0 was dropped and is made again")
    }
}

extension MessageBlockTests {
    /// A few records of a large buffer are copied out, byte for byte, into a buffer of their size; records that
    /// fill their buffer are left as they are.
    @Test func recordsOfALargeBufferAreCompacted() {
        let big = ByteBuffer(repeating: 0x62, count: 1 << 20)
        var mixed = ByteBuffer(string: "k0v0k1v1")
        mixed.writeImmutableBuffer(big)
        let records = [
            StoredRecord(offset: 0, timestamp: 1, key: mixed.getSlice(at: 0, length: 2), value: mixed.getSlice(at: 2, length: 2)!),
            StoredRecord(offset: 1, timestamp: 1, key: nil, headers: [RecordHeader(name: "h", value: "v")], value: mixed.getSlice(at: 6, length: 2)!),
        ]
        let compacted = MessageBlock.compacted(records)
        #expect(compacted == records, "same offsets, keys, headers and bytes")
        #expect(compacted.allSatisfy { $0.value.storageCapacity < 1_024 })
        #expect(ReadChunkCache.cost(of: MessageBlock.messages(topic: "t", records: compacted))
            < ReadChunkCache.cost(of: MessageBlock.messages(topic: "t", records: records)) - (1 << 20))
        let full = (0..<4).map { StoredRecord(offset: Int64($0), timestamp: 1, value: big.getSlice(at: $0 << 18, length: 1 << 18)!) }
        #expect(MessageBlock.compacted(full).allSatisfy { $0.value.storageCapacity == big.storageCapacity })
    }

    /// A log read's block is compacted as ``MessageBlock/compacted(_:)`` would, and the cost it knows from its making
    /// equals the cost of walking its records; the cache charges a read what its block keeps alive.
    @Test func aReadBlockKnowsItsCost() {
        let big = ByteBuffer(repeating: 0x62, count: 1 << 20)
        let few = (0..<3).map { StoredRecord(offset: Int64($0), timestamp: 1, key: big.getSlice(at: $0 * 8, length: 4), value: big.getSlice(at: $0 * 8 + 4, length: 4)!) }
        let full = (0..<4).map { StoredRecord(offset: Int64($0), timestamp: 1, value: big.getSlice(at: $0 << 18, length: 1 << 18)!) }
        for records in [few, full, []] {
            let read = MessageBlock.read(topic: "t", records: records)
            let plain = MessageBlock.messages(topic: "t", records: MessageBlock.compacted(records))
            #expect(read.map(\.record) == plain.map(\.record))
            if let block = read.first?.block, let walked = plain.first?.block {
                #expect(block.retainedBytes == walked.retainedBytes)
                #expect(ReadChunkCache.cost(of: read) == block.retainedBytes)
                #expect(ReadChunkCache.cost(of: Array(read.dropFirst())) == block.retainedBytes)
            }
        }
        #expect(MessageBlock.read(topic: "t", records: few).allSatisfy { $0.record.value.storageCapacity < 1_024 })
    }
}
