import ArgumentParser
import NIOHTTP1

/// `roost consumers describe NAME`.
struct ConsumersDescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show a consumer's settings and per-topic cursors (exit 4 if unknown).")

    @Argument(help: "Consumer name.") var name: String
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let consumer = try await AdminHTTPClient(server).object(.GET, try ConsumerView.path(name))
        if output.json { return Output.json(consumer) }
        ConsumerView.describe(consumer)
    }
}
