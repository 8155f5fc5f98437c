import ArgumentParser
import NIOHTTP1

/// `roost topics list`.
struct TopicsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List topics with their size and settings.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let body = try await AdminHTTPClient(server).object(.GET, "/v1/admin/topics")
        let topics = body["topics"] as? [[String: Any]] ?? []
        if output.json { return Output.json(body) }
        Output.table(TopicView.headers, topics.map(TopicView.row))
    }
}
