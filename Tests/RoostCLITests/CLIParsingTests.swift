import ArgumentParser
import Foundation
import NIOCore
@testable import RoostCLI
import RoostClient
import RoostProtocol
import Testing

@Suite struct CLIParsingTests {
    @Test func durationsAndPositions() throws {
        #expect(try Durations.milliseconds("7d", option: "x") == 604_800_000)
        #expect(try Durations.milliseconds("500ms", option: "x") == 500)
        #expect(try Durations.milliseconds("90", option: "x") == 90)
        #expect(throws: CLIError.self) { try Durations.milliseconds("soon", option: "x") }
        #expect(Durations.time("@1700000000000") == 1_700_000_000_000)
        #expect(Durations.time("2023-11-14T22:13:20Z") == 1_700_000_000_000)
        guard case .offset(42) = try Durations.position("42", option: "x") else { Issue.record("offset"); return }
        guard case .earliest = try Durations.position("earliest", option: "x") else { Issue.record("earliest"); return }
        #expect(throws: CLIError.self) { try Durations.position("-", option: "x") }
    }

    @Test func topicSettingsBecomeTheAdminConfigObject() throws {
        let options = try TopicConfigOptions.parse(["--retention", "forever", "--compression", "lz4", "--fsync", "interval", "--fsync-interval", "1s"])
        let config = try options.config()
        #expect(config["retention_ms"] is NSNull)
        #expect(config["compression"] as? String == "lz4" && config["fsync_interval_ms"] as? Int64 == 1_000)
        #expect(throws: CLIError.self) { try TopicConfigOptions.parse(["--fsync", "sometimes"]).config() }
    }

    @Test func serverAddressAcceptsHTTPAndWebSocketForms() throws {
        let http = try ServerOptions.parse(["--server", "http://10.0.0.5:9000"])
        #expect(try http.webSocketURL() == "ws://10.0.0.5:9000/v1/ws")
        let ws = try ServerOptions.parse(["--server", "ws://localhost:8081/v1/ws"])
        #expect(try ws.hostAndPort() == ("localhost", 8081))
        #expect(throws: CLIError.self) { try ServerOptions.parse(["--server", "ftp://x:1"]).hostAndPort() }
        let https = try ServerOptions.parse(["--server", "https://broker.example.com", "--token", "t", "--ca-file", "ca.pem"])
        #expect(try https.hostAndPort() == ("broker.example.com", 443))
        #expect(try https.webSocketURL() == "wss://broker.example.com:443/v1/ws")
        #expect(https.clientConfiguration().token == "t" && https.clientConfiguration().caFile == "ca.pem")
        #expect(try ServerOptions.parse(["--server", "wss://h:8443/v1/ws"]).webSocketURL() == "wss://h:8443/v1/ws")
    }

    @Test func publishTemplateStampsAMaskedFrameTheServerCanDecode() throws {
        for encoding in WireEncoding.allCases {
            let template = try PublishTemplate(topic: "bench", size: 64, encoding: encoding)
            var frame = template.stamped(0x0123_4567_89AB_CDEF, sequence: 0)
            // Unmask the payload of the WebSocket frame, as a server does.
            let bytes = Array(frame.readBytes(length: frame.readableBytes) ?? [])
            let payload = bytes[template.payloadStart...].enumerated().map { $1 ^ template.maskKey[$0 & 3] }
            let decoded = try encoding.codec.decodeClientFrame(ByteBuffer(bytes: payload))
            guard case .publish(let publish) = decoded else { Issue.record("not a publish"); continue }
            #expect(publish.topic == "bench" && publish.id == RequestID(1))
            #expect(PublishTemplate.readStamp(publish.entry.payload) == 0x0123_4567_89AB_CDEF)
            #expect(publish.entry.payload.readableBytes == (encoding == .json ? 66 : 64))
        }
    }

    @Test func dedupTemplatesGiveEveryMessageItsOwnID() throws {
        let template = try PublishTemplate(topic: "bench", size: 16, encoding: .binary, dedup: true)
        var ids: [String] = []
        for sequence: UInt64 in [0, 1, 0xABCDEF] {
            var frame = template.stamped(nil, sequence: sequence)
            let bytes = Array(frame.readBytes(length: frame.readableBytes) ?? [])
            let payload = bytes[template.payloadStart...].enumerated().map { $1 ^ template.maskKey[$0 & 3] }
            guard case .publish(let publish) = try WireEncoding.binary.codec.decodeClientFrame(ByteBuffer(bytes: payload)) else {
                Issue.record("not a publish")
                continue
            }
            ids.append(try #require(publish.entry.dedupID))
        }
        #expect(Set(ids).count == 3 && ids[2].hasSuffix("0abcdef"))
        #expect(Set(ids.map { $0.prefix(8) }).count == 1, "one random prefix per run")
        #expect(ids.allSatisfy { $0.utf8.count == 15 }, "as short as the client library's ids")
    }

    @Test func batchTemplatesCarryNStampedMessagesWithDistinctIDs() throws {
        for encoding in WireEncoding.allCases {
            let template = try PublishTemplate(topic: "bench", size: 32, encoding: encoding, dedup: true, batch: 4)
            #expect(template.messages == 4)
            var frame = template.stamped(0x0123_4567_89AB_CDEF, sequence: 8)
            let bytes = Array(frame.readBytes(length: frame.readableBytes) ?? [])
            let payload = bytes[template.payloadStart...].enumerated().map { $1 ^ template.maskKey[$0 & 3] }
            guard case .publishBatch(let batch) = try encoding.codec.decodeClientFrame(ByteBuffer(bytes: payload)) else {
                Issue.record("not a publish_batch")
                continue
            }
            #expect(batch.messages.count == 4 && batch.topic == "bench")
            #expect(batch.messages.allSatisfy { PublishTemplate.readStamp($0.payload) == 0x0123_4567_89AB_CDEF })
            #expect(batch.messages.compactMap { $0.dedupID?.suffix(7) } == ["0000008", "0000009", "000000a", "000000b"])
        }
    }

    @Test func benchPubBatchIsBounded() {
        #expect(throws: (any Error).self) { try BenchPubCommand.parse(["--batch", "0"]) }
        #expect(throws: (any Error).self) { try BenchPubCommand.parse(["--batch", "10001"]) }
        #expect((try? BenchPubCommand.parse(["--batch", "64"]))?.batch == 64)
    }
}
