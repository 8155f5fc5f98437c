import Foundation
import NIOCore
import RoostTesting
import RoostStorage
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Over the wire: a subscriber replaying past a batch damaged on disk gets every intact message, and an
/// `error` frame without id, code `data_loss`, in order where the damaged message would have been; the
/// subscription stays open (Docs/protocol.md, "Error codes").
@Suite(.timeLimit(.minutes(1))) struct DataLossNoticeTests {
    @Test func aSubscriberIsToldInOrderAndKeepsReceiving() async throws {
        let first = try await BrokerServerHarness.start()
        let (publisher, _) = try await RawClient.webSocket(port: first.port)
        for i in 0..<10 {
            try await publisher.send(TestFrames.text(#"{"op":"publish","id":\#(i),"topic":"t","data":"m\#(i)"}"#))
            let confirm = try #require(await publisher.readFrame())
            #expect(confirm.text.contains(#""offset":\#(i)"#))
        }
        await publisher.close()
        try await first.stop()

        // Flip a bit in the payload of offset 4's batch (one message per publish, one batch each).
        let path = first.directory.appending("log/t/" + LogFileNames.stem(baseOffset: 0) + LogFileNames.logSuffix)
        var position: Int?
        _ = try SegmentInspector(path: path).walk(decodeRecords: false) { batch in
            if batch.header.baseOffset == 4 { position = batch.position }
        }
        let at = try #require(position) + RecordBatchHeader.size + 1
        let fd = open(path, O_RDWR)
        var byte: UInt8 = 0
        #expect(pread(fd, &byte, 1, off_t(at)) == 1)
        byte ^= 0x01
        #expect(pwrite(fd, &byte, 1, off_t(at)) == 1)
        close(fd)

        let harness = try await BrokerServerHarness.start(directory: first.directory)
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        try await client.send(TestFrames.text(#"{"op":"subscribe","id":1,"topic":"t","from":"earliest"}"#))
        var seen: [String] = []
        while let frame = await client.readFrame() {
            let text = frame.text
            if text.contains(#""op":"message""#), let range = text.range(of: #""offset":"#) {
                seen.append("m" + text[range.upperBound...].prefix { $0.isNumber })
            } else if text.contains(#""code":"data_loss""#) {
                #expect(!text.contains(#""id""#))
                #expect(text.contains("sub s1 topic t offsets 4-4 damaged on disk, skipped"))
                seen.append("loss")
            } else if text.contains(#""op":"caught_up""#) {
                break
            }
        }
        #expect(seen == ["m0", "m1", "m2", "m3", "loss", "m5", "m6", "m7", "m8", "m9"])
        // Still subscribed: a live publish arrives.
        try await client.send(TestFrames.text(#"{"op":"publish","id":2,"topic":"t","data":"live"}"#))
        var live = false
        while !live, let frame = await client.readFrame() { live = frame.text.contains(#""offset":10"#) && frame.text.contains(#""op":"message""#) }
        #expect(live)
        await client.close()
        try await harness.finish()
    }
}
