import ArgumentParser

/// `roost consumers`: durable consumers, their cursors and lag.
struct ConsumersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumers",
        abstract: "List, describe, reset and delete durable consumers (with lag).",
        subcommands: [ConsumersListCommand.self, ConsumersDescribeCommand.self, ConsumersResetCommand.self,
                      ConsumersDeleteCommand.self]
    )
}

/// Shared rendering of consumer descriptions.
enum ConsumerView {
    static let headers = ["NAME", "FILTER", "ACK", "MEMBERS", "DURABLE", "LAG"]

    static func row(_ c: [String: Any]) -> [String] {
        [Output.text(c["name"]), Output.text(c["filter"]), Output.text(c["ack"]), Output.text(c["members"]),
         Output.text(c["durable"]), Output.text(c["lag"])]
    }

    static func describe(_ c: [String: Any]) {
        Output.pairs([
            ("name", Output.text(c["name"])), ("filter", Output.text(c["filter"])), ("ack", Output.text(c["ack"])),
            ("ack wait", Output.duration(c["ack_wait_ms"])), ("max deliveries", Output.text(c["max_deliveries"])),
            ("max in flight", Output.text(c["max_inflight"])), ("members", Output.text(c["members"])),
            ("durable", Output.text(c["durable"])), ("lag", Output.text(c["lag"])),
        ])
        let cursors = c["cursors"] as? [[String: Any]] ?? []
        guard !cursors.isEmpty else { return }
        print("")
        Output.table(["TOPIC", "ACK FLOOR", "PENDING", "END", "LAG"], cursors.map {
            [Output.text($0["topic"]), Output.text($0["ack_floor"]), Output.text($0["pending"]),
             Output.text($0["end_offset"]), Output.text($0["lag"])]
        })
    }

    static func path(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 < 0x7F }) else {
            throw CLIError.usage("invalid consumer name '\(name)'")
        }
        return "/v1/admin/consumers/" + name
    }
}
