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
        let block = MessageBlock.messages(topic: "t", records: records(256 * 6))[0].block
        let key = MessageEncodingKey(rawValue: 1)
        var made: [Int] = []
        let encode = { (segment: Int) in block.encoded(as: key, segment: segment) { _, _ in made.append(segment); return segment } }
        for segment in 0..<6 { _ = encode(segment) }
        _ = encode(5)
        _ = encode(2)
        #expect(made == Array(0..<6), "segments 2...5 are the last \(MessageBlock.cachedSegments) made")
        _ = encode(0)
        #expect(made == Array(0..<6) + [0], "segment 0 was dropped and is made again")
    }
}
