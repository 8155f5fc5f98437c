import Foundation
import Logging
import NIOCore
import RoostServer
import RoostTesting
import Testing

/// The `roost` CLI as a subprocess against a real broker started in-process on an ephemeral port.
@Suite(.timeLimit(.minutes(2))) struct CLIEndToEndTests {
    final class Broker: Sendable {
        let directory: TemporaryDirectory
        let server: RoostBrokerServer
        let address: String

        init() async throws {
            directory = try TemporaryDirectory(prefix: "roost-cli-test")
            var configuration = BrokerServerConfiguration(dataDirectory: directory.path)
            configuration.server.port = 0
            configuration.server.shutdownTimeout = .seconds(2)
            // As in LiveBroker: a starved test process may send its upgrade request after the default 10 s.
            configuration.server.handshakeTimeout = .seconds(600)
            var logger = Logger(label: "roost.test")
            logger.logLevel = .warning
            server = try RoostBrokerServer(configuration: configuration, logger: logger)
            try await server.start()
            address = "http://127.0.0.1:\(server.port ?? 0)"
        }

        deinit {
            directory.remove()
        }

        func roost(_ arguments: [String], stdin: String? = nil) async throws -> RoostProcess.Result {
            try await RoostProcess.run(arguments + ["--server", address], stdin: stdin)
        }
    }

    @Test func pubPipedIntoSub() async throws {
        let broker = try await Broker()
        let lines = (1...200).map { "line \($0)" }
        let pub = try await broker.roost(["pub", "numbers"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(pub.status == 0, "\(pub.stderr)")
        #expect(pub.lines == (0..<200).map(String.init))
        let sub = try await broker.roost(["sub", "numbers", "--from", "earliest", "--count", "200", "--output", "raw"])
        #expect(sub.status == 0, "\(sub.stderr)")
        #expect(sub.lines == lines)
        let json = try await broker.roost(["sub", "numbers", "--from", "198", "--count", "2"])
        let objects = json.lines.compactMap(RoostProcess.object)
        // Not JSON: base64 in data_b64, as on the wire.
        #expect(objects.map { $0["offset"] as? Int } == [198, 199] && objects.last?["data_b64"] as? String == "bGluZSAyMDA=")
        #expect(objects.allSatisfy { $0["data"] == nil && $0["headers"] == nil })
        let one = try await broker.roost(["pub", "numbers", "{\"x\":1}", "--key", "k", "--header", "a=b", "--json"])
        #expect(RoostProcess.object(one.stdout)?["offset"] as? Int == 200)
        try await broker.server.shutdown()
    }

    @Test func subPrintsPayloadsByTheWireRule() async throws {
        let broker = try await Broker()
        let payloads = ["{\"order\":17,\"items\":[1,2]}", "\"just a string\"", "42", "plain text"]
        for payload in payloads {
            #expect(try await broker.roost(["pub", "mixed", payload, "--key", "k", "--header", "trace=ab"]).status == 0)
        }
        let json = try await broker.roost(["sub", "mixed", "--from", "earliest", "--count", "4"])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = json.lines.compactMap(RoostProcess.object)
        try #require(objects.count == 4)
        #expect((objects[0]["data"] as? [String: Any])?["order"] as? Int == 17)
        #expect(objects[1]["data"] as? String == "just a string")
        #expect(objects[2]["data"] as? Int == 42)
        #expect(objects[3]["data"] == nil && objects[3]["data_b64"] as? String == "cGxhaW4gdGV4dA==")
        // The client gives every publish a dedup id; the broker's header for it is not a user header.
        #expect(objects.allSatisfy { ($0["headers"] as? [String: String]) == ["trace": "ab"] && $0["key"] as? String == "k" })
        let raw = try await broker.roost(["sub", "mixed", "--from", "earliest", "--count", "4", "--raw"])
        #expect(raw.status == 0 && raw.lines == payloads)
        // A pretty-printed JSON payload still makes one line.
        #expect(try await broker.roost(["pub", "pretty", "{\n  \"a\": \"x\\ny\"\n}"]).status == 0)
        let pretty = try await broker.roost(["sub", "pretty", "--from", "earliest", "--count", "1"])
        #expect(pretty.lines.count == 1 && (RoostProcess.object(pretty.stdout)?["data"] as? [String: String]) == ["a": "x\ny"])
        try await broker.server.shutdown()
    }

    @Test func topicsCreateDescribeAlterListDelete() async throws {
        let broker = try await Broker()
        let create = try await broker.roost(["topics", "create", "orders.created", "--retention", "1d", "--compression", "lz4", "--json"])
        #expect(create.status == 0, "\(create.stderr)")
        let created = try #require(RoostProcess.object(create.stdout))
        let config = try #require(created["config"] as? [String: Any])
        #expect(created["name"] as? String == "orders.created" && config["retention_ms"] as? Int == 86_400_000 && config["compression"] as? String == "lz4")
        #expect(try await broker.roost(["topics", "create", "orders.created"]).status == 6)
        #expect(try await broker.roost(["pub", "orders.created", "hello"]).status == 0)
        let describe = try await broker.roost(["topics", "describe", "orders.created", "--json"])
        #expect(RoostProcess.object(describe.stdout)?["end_offset"] as? Int == 1)
        let human = try await broker.roost(["topics", "describe", "orders.created"])
        #expect(human.status == 0 && human.stdout.contains("compression") && human.stdout.contains("lz4"))
        let alter = try await broker.roost(["topics", "alter", "orders.created", "--retention", "forever", "--json"])
        #expect(alter.status == 0, "\(alter.stderr)")
        #expect((RoostProcess.object(alter.stdout)?["config"] as? [String: Any])?["retention_ms"] is NSNull)
        let list = try await broker.roost(["topics", "list", "--json"])
        let names = (RoostProcess.object(list.stdout)?["topics"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("orders.created"))
        #expect(try await broker.roost(["topics", "list"]).stdout.contains("orders.created"))
        #expect(try await broker.roost(["topics", "delete", "orders.created"]).status == 0)
        #expect(try await broker.roost(["topics", "describe", "orders.created"]).status == 4)
        #expect(try await broker.roost(["topics", "delete", "orders.created"]).status == 4)
        try await broker.server.shutdown()
    }

    @Test func consumersResetThenReRead() async throws {
        let broker = try await Broker()
        #expect(try await broker.roost(["pub", "events"], stdin: "a\nb\nc\n").status == 0)
        let first = try await broker.roost(["sub", "events", "--consumer", "reader", "--from", "earliest", "--ack", "--count", "3", "--output", "raw"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.lines == ["a", "b", "c"])
        let described = try await broker.roost(["consumers", "describe", "reader", "--json"])
        #expect(described.status == 0, "\(described.stderr)")
        #expect(RoostProcess.object(described.stdout)?["lag"] as? Int == 0)
        #expect(try await broker.roost(["consumers", "list"]).stdout.contains("reader"))
        let reset = try await broker.roost(["consumers", "reset", "reader", "--to", "earliest", "--json"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(RoostProcess.object(reset.stdout)?["lag"] as? Int == 3)
        let again = try await broker.roost(["sub", "events", "--consumer", "reader", "--ack", "--count", "3", "--output", "raw"])
        #expect(again.lines == ["a", "b", "c"])
        #expect(try await broker.roost(["consumers", "delete", "reader"]).status == 0)
        #expect(try await broker.roost(["consumers", "describe", "reader"]).status == 4)
        try await broker.server.shutdown()
    }

    @Test func statsAndBenchPrintJSON() async throws {
        let broker = try await Broker()
        let stats = try await broker.roost(["stats", "--json"])
        #expect(stats.status == 0 && RoostProcess.object(stats.stdout)?["uptime_ms"] != nil, "\(stats.stderr)")
        let bench = try await broker.roost(["bench", "pub", "-c", "2", "-w", "16", "-d", "0.3", "--json", "--no-progress"])
        #expect(bench.status == 0, "\(bench.stderr)")
        let result = try #require(RoostProcess.object(bench.stdout))
        #expect((result["confirmed"] as? Int ?? 0) > 0 && result["latency_us"] is [String: Any])
        let e2e = try await broker.roost(["bench", "e2e", "-c", "1", "-r", "500", "-d", "0.3", "--json", "--no-progress"])
        #expect(e2e.status == 0, "\(e2e.stderr)")
        #expect((RoostProcess.object(e2e.stdout)?["received"] as? Int ?? 0) > 0)
        try await broker.server.shutdown()
    }
}
