import NIOCore
import NIOEmbedded
import RoostProtocol
import RoostStorage
import Testing

@testable import RoostBroker
@testable import RoostServer

@Suite struct SubscriptionSinkTests {
    /// A batch read from the log (a subscriber catching up) reaches the session with one segment in three already
    /// encoded on the reader queue (segments 0 and 3 of a 1,000-message block here), and those encodings are the
    /// block's own, byte for byte what the event loop would write. Live deliveries carry none.
    @Test func aBatchReadFromTheLogCarriesEveryThirdSegmentEncoded() throws {
        let loop = EmbeddedEventLoop()
        let inbox = SessionInbox(eventLoop: loop)
        inbox.attach {}
        let codec = WireEncoding.json.codec
        let key = MessageEncodingKey(rawValue: 1)
        let sink = SubscriptionSink(inbox: inbox, key: 7, encoding: (codec: codec, key: key))
        let records = (0..<1_000).map { StoredRecord(offset: Int64($0), timestamp: 0, value: ByteBuffer(string: "m\($0)")) }
        var deliveries = DeliveryBatch()
        deliveries.append(MessageBlock.messages(topic: "t", records: records).dropFirst(100))
        sink.deliverFromLog(deliveries)
        sink.deliver(deliveries)
        let events = inbox.takeAll()
        #expect(events.count == 2)
        guard case .delivered(subscription: 7, deliveries: let fromLog, runs: let runs)? = events.first,
            case .delivered(subscription: 7, deliveries: _, runs: let live)? = events.last
        else {
            Issue.record("unexpected events \(events)")
            return
        }
        #expect(fromLog.count == 900)
        #expect(runs?.map(\.segment) == [0, 3])
        #expect(live == nil)
        for run in runs ?? [] {
            let made = BrokerSession.encodedRun(of: run.block, segment: run.segment, codec: codec, key: key)
            #expect(run.run.messagesPart(0..<run.run.count, endsFrame: true) == made.messagesPart(0..<made.count, endsFrame: true))
        }
    }
}
