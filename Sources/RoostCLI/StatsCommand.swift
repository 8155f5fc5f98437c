import ArgumentParser
import NIOHTTP1
import Foundation

/// `roost stats`.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show connections, rates and storage of the broker.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let stats = try await AdminHTTPClient(server).object(.GET, "/v1/admin/stats")
        if output.json { return Output.json(stats) }
        let rates = stats["rates"] as? [String: Any] ?? [:]
        func rate(_ key: String) -> String {
            (rates[key] as? NSNumber).map { String(format: "%.1f/s", $0.doubleValue) } ?? "-"
        }
        Output.pairs([
            ("uptime", Output.duration(((stats["uptime_ms"] as? NSNumber)?.int64Value).map { NSNumber(value: $0 / 1000 * 1000) })),
            ("connections", Output.text(stats["connections"])), ("subscriptions", Output.text(stats["subscriptions"])),
            ("topics", Output.text(stats["topics"])), ("consumers", Output.text(stats["consumers"])),
            ("messages in", Output.text(stats["messages_in"]) + "  (" + rate("messages_in_per_s") + ")"),
            ("messages out", Output.text(stats["messages_out"]) + "  (" + rate("messages_out_per_s") + ")"),
            ("bytes in", Output.bytes(stats["bytes_in"])), ("bytes out", Output.bytes(stats["bytes_out"])),
            ("storage", Output.bytes(stats["storage_bytes"])),
        ])
    }
}
