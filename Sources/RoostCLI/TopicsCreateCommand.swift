import ArgumentParser
import NIOHTTP1

/// `roost topics create NAME`.
struct TopicsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a topic (exit 6 if it exists).",
        discussion: "Example: roost topics create orders.created --retention 7d --compression lz4")

    @Argument(help: "Topic name: dot-separated tokens of [A-Za-z0-9_-].") var name: String
    @OptionGroup var settings: TopicConfigOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        _ = try TopicView.path(name)
        var body: [String: Any] = ["name": name]
        let config = try settings.config()
        if !config.isEmpty { body["config"] = config }
        let topic = try await AdminHTTPClient(server).object(.POST, "/v1/admin/topics", json: body)
        if output.json { return Output.json(topic) }
        TopicView.describe(topic)
    }
}
