import ArgumentParser

/// `roost topics`: list, create, describe, alter and delete topics through the admin API.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List, create, describe, alter and delete topics.",
        subcommands: [TopicsListCommand.self, TopicsCreateCommand.self, TopicsDescribeCommand.self,
                      TopicsAlterCommand.self, TopicsDeleteCommand.self]
    )
}

/// Shared rendering of topic descriptions.
enum TopicView {
    static func row(_ topic: [String: Any]) -> [String] {
        let config = topic["config"] as? [String: Any] ?? [:]
        return [Output.text(topic["name"]), Output.text(topic["messages"]), Output.text(topic["start_offset"]),
                Output.text(topic["end_offset"]), Output.bytes(topic["size_bytes"]), Output.duration(config["retention_ms"]),
                Output.text(config["compression"]), Output.text(config["fsync"])]
    }

    static let headers = ["NAME", "MESSAGES", "START", "END", "SIZE", "RETENTION", "COMPRESSION", "FSYNC"]

    static func describe(_ topic: [String: Any]) {
        let config = topic["config"] as? [String: Any] ?? [:]
        Output.pairs([
            ("name", Output.text(topic["name"])),
            ("messages", Output.text(topic["messages"])),
            ("start offset", Output.text(topic["start_offset"])),
            ("end offset", Output.text(topic["end_offset"])),
            ("size", Output.bytes(topic["size_bytes"])),
            ("system", Output.text(topic["system"])),
            ("retention", Output.duration(config["retention_ms"])),
            ("retention bytes", config["retention_bytes"] is Int ? Output.bytes(config["retention_bytes"]) : "none"),
            ("segment size", Output.bytes(config["segment_bytes"])),
            ("segment age", Output.duration(config["segment_ms"])),
            ("compression", Output.text(config["compression"])),
            ("fsync", Output.text(config["fsync"])),
            ("fsync interval", Output.duration(config["fsync_interval_ms"])),
        ])
    }

    /// The path of a topic in the admin API.
    static func path(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 < 0x7F }) else {
            throw CLIError.usage("invalid topic name '\(name)'")
        }
        return "/v1/admin/topics/" + name
    }
}
