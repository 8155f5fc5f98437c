import ArgumentParser
import NIOHTTP1

/// `roost topics delete NAME`.
struct TopicsDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a topic and its stored messages (exit 4 if unknown).")

    @Argument(help: "Topic name.") var name: String
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        _ = try await AdminHTTPClient(server).request(.DELETE, try TopicView.path(name))
        if output.json { return Output.json(["deleted": name]) }
        print("deleted topic \(name)")
    }
}
