import ArgumentParser
import NIOHTTP1

/// `roost consumers list`.
struct ConsumersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List consumers with their lag.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let body = try await AdminHTTPClient(server).object(.GET, "/v1/admin/consumers")
        if output.json { return Output.json(body) }
        Output.table(ConsumerView.headers, (body["consumers"] as? [[String: Any]] ?? []).map(ConsumerView.row))
    }
}
