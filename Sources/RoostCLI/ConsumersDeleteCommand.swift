import ArgumentParser
import NIOHTTP1

/// `roost consumers delete NAME`.
struct ConsumersDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a durable consumer and its position (exit 6 while attached).")

    @Argument(help: "Consumer name.") var name: String
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        _ = try await AdminHTTPClient(server).request(.DELETE, try ConsumerView.path(name))
        if output.json { return Output.json(["deleted": name]) }
        print("deleted consumer \(name)")
    }
}
