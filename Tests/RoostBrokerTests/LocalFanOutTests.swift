import NIOCore
import RoostBroker
import RoostStorage
import Testing

@Suite struct LocalFanOutTests {
    private func messages(_ offsets: Range<Int64>) -> [Message] {
        offsets.map { Message(topic: "t", record: StoredRecord(offset: $0, timestamp: 0, value: ByteBuffer(string: "m\($0)"))) }
    }

    /// `publishedEnd` is what consumers compare with the log's end to tell a message on its way from one forgotten.
    @Test func publishedEndFollowsPublishesEvenWhenTheCacheForgets() {
        let fanOut = LocalFanOut(maxMessages: 4, maxBytes: 1 << 20)
        #expect(fanOut.publishedEnd(topic: "t") == nil, "unknown before any publish")
        fanOut.publish(topic: "t", messages: messages(0..<10))
        #expect(fanOut.publishedEnd(topic: "t") == 10)
        #expect(fanOut.recent(topic: "t", from: 0, maxMessages: 10).isEmpty, "forgotten: below the end, so read")
        #expect(fanOut.recent(topic: "t", from: 6, maxMessages: 10).map(\.offset) == [6, 7, 8, 9])
        fanOut.publish(topic: "t", messages: messages(20..<22))  // a gap restarts the cache
        #expect(fanOut.publishedEnd(topic: "t") == 22)
        fanOut.publish(topic: "t", messages: messages(12..<14))  // late and out of order: the end stays
        #expect(fanOut.publishedEnd(topic: "t") == 22)
        fanOut.removeTopic("t")
        #expect(fanOut.publishedEnd(topic: "t") == nil)
    }
}
