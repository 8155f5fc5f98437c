import ArgumentParser
import NIOHTTP1

/// `roost topics describe NAME`.
struct TopicsDescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show a topic's offsets, size and settings (exit 4 if unknown).")

    @Argument(help: "Topic name.") var name: String
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let topic = try await AdminHTTPClient(server).object(.GET, try TopicView.path(name))
        if output.json { return Output.json(topic) }
        TopicView.describe(topic)
    }
}
