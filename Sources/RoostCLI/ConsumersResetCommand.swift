import ArgumentParser
import NIOHTTP1

/// `roost consumers reset NAME --to POSITION`.
struct ConsumersResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Move a consumer's position (exit 6 while subscriptions are attached).",
        discussion: """
            POSITION is earliest, latest, an offset, an ISO 8601 time (2026-11-21T06:00:00Z), a time relative to \
            now (-1h), or @MS (ms since the epoch).
            Example: roost consumers reset billing --to -2h --topic orders.created
            """)

    @Argument(help: "Consumer name.") var name: String
    @Option(help: "Where to move: earliest, latest, OFFSET, TIME.") var to: String
    @Option(help: "Only this topic (default: every topic of the consumer).") var topic: String?
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var body: [String: Any] = [:]
        switch try Durations.position(to, option: "--to") {
        case .earliest: body["to"] = "earliest"
        case .latest: body["to"] = "latest"
        case .offset(let offset): body["to"] = ["offset": offset]
        case .time(let ms): body["to"] = ["time": ms]
        }
        if let topic { body["topic"] = topic }
        let consumer = try await AdminHTTPClient(server).object(.POST, try ConsumerView.path(name) + "/reset", json: body)
        if output.json { return Output.json(consumer) }
        ConsumerView.describe(consumer)
    }
}
