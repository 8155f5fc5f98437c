import ArgumentParser
import NIOHTTP1

/// `roost topics alter NAME`.
struct TopicsAlterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alter", abstract: "Change a topic's settings; only the given ones change.",
        discussion: "Example: roost topics alter orders.created --retention 30d --fsync interval --fsync-interval 1s")

    @Argument(help: "Topic name.") var name: String
    @OptionGroup var settings: TopicConfigOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let config = try settings.config()
        guard !config.isEmpty else { throw CLIError.usage("nothing to change: give at least one setting (see --help)") }
        let topic = try await AdminHTTPClient(server).object(.PATCH, try TopicView.path(name), json: ["config": config])
        if output.json { return Output.json(topic) }
        TopicView.describe(topic)
    }
}
