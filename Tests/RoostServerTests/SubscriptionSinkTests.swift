import NIOCore
import NIOEmbedded
import RoostProtocol
import RoostStorage
import Testing

@testable import RoostBroker
@testable import RoostServer

@Suite struct SubscriptionSinkTests {
    /// A batch read from the log (a subscriber catching up) is encoded on the reader queue when the session's event
    /// loop is behind (a batch left unwritten, or events waiting for its drain): every block segment it touches
    /// (0-3 of a 1,000-message block here), byte for byte the block's own encodings. When the event loop keeps up,
    /// and for live deliveries, the batch travels without encodings (the event loop encodes it).
    @Test func aBatchReadFromTheLogIsEncodedHereWhenTheEventLoopIsBehind() throws {
        let loop = EmbeddedEventLoop()
        let inbox = SessionInbox(eventLoop: loop)
        inbox.attach {}
        let codec = WireEncoding.json.codec
        let key = MessageEncodingKey(rawValue: 1)
        let sink = SubscriptionSink(inbox: inbox, key: 7, encoding: (codec: codec, key: key))
        let records = (0..<1_000).map { StoredRecord(offset: Int64($0), timestamp: 0, value: ByteBuffer(string: "m\($0)")) }
        var deliveries = DeliveryBatch()
        deliveries.append(MessageBlock.messages(topic: "t", records: records).dropFirst(100))

        #expect(!inbox.isBehind)
        sink.deliverFromLog(deliveries)
        #expect(inbox.isBehind, "an event waits for the drain")
        sink.deliverFromLog(deliveries)
        sink.deliver(deliveries)
        var events = inbox.takeAll()
        #expect(events.count == 3)
        #expect(!inbox.isBehind)
        inbox.noteUnwritten(batches: 1)
        #expect(inbox.isBehind, "a batch was left unwritten")
        sink.deliverFromLog(deliveries)
        events += inbox.takeAll()
        let runs = events.map { event -> [SubscriptionSink.Run]? in
            guard case .delivered(subscription: 7, deliveries: let batch, runs: let runs) = event else { return [] }
            #expect(batch.count == 900)
            return runs
        }
        #expect(runs.map { $0?.map(\.segment) } == [nil, [0, 1, 2, 3], nil, [0, 1, 2, 3]])
        for run in runs.compactMap({ $0 }).joined() {
            let made = BrokerSession.encodedRun(of: run.block, segment: run.segment, codec: codec, key: key)
            #expect(run.run.messagesPart(0..<run.run.count, endsFrame: true) == made.messagesPart(0..<made.count, endsFrame: true))
        }
    }
}
