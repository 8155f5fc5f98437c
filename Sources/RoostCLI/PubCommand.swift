import ArgumentParser
import Foundation
import NIOCore
import RoostClient
import RoostProtocol

/// `roost pub TOPIC [DATA]`: publish one message, a file, or stdin line by line; prints offsets.
struct PubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pub", abstract: "Publish messages; prints the offset of each.",
        discussion: """
            DATA comes from the argument, from --file (the whole file is one message), or else from stdin, one \
            message per line (bulk: up to --window publishes in flight, offsets printed in order).
            Examples:
              roost pub orders.created '{"order":17}' --key o-17 --header trace=ab
              seq 1 1000 | roost pub numbers
            """)

    @Argument(help: "Topic name.") var topic: String
    @Argument(help: "The message; omit (or '-') to read stdin line by line.") var data: String?
    @Option(help: "Publish the whole content of this file as one message.") var file: String?
    @Option(help: "Message key.") var key: String?
    @Option(name: .customLong("header"), help: "Header NAME=VALUE (repeatable).") var headers: [String] = []
    @Option(name: .customLong("dedup-id"), help: "Dedup id: a retried publish with the same id is stored once.") var dedupID: String?
    @Option(help: "Most unconfirmed publishes when reading stdin.") var window: Int = 256
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        if data != nil && data != "-" && file != nil { throw ValidationError("give DATA or --file, not both") }
        if dedupID != nil && (data == nil || data == "-") && file == nil {
            throw ValidationError("--dedup-id applies to one message (DATA or --file), not to stdin lines")
        }
    }

    func run() async throws {
        let parsedHeaders = try headers.map { text -> Header in
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw CLIError.usage("--header '\(text)': expected NAME=VALUE")
            }
            return Header(name: String(text[..<eq]), value: String(text[text.index(after: eq)...]))
        }
        let client = try await ClientConnector.connect(server)
        do {
            if let file {
                guard let contents = FileManager.default.contents(atPath: file) else { throw CLIError(.generic, "cannot read \(file)") }
                try await publishOne(client, ByteBuffer(bytes: contents), parsedHeaders)
            } else if let data, data != "-" {
                try await publishOne(client, ByteBuffer(string: data), parsedHeaders)
            } else {
                try await publishLines(client, parsedHeaders)
            }
        } catch {
            await client.close()
            throw ClientConnector.cliError(error)
        }
        await client.close()
    }

    private func publishOne(_ client: RoostClient, _ payload: ByteBuffer, _ headers: [Header]) async throws {
        let confirm = try await client.publish(topic: topic, data: payload, key: key, headers: headers, dedupID: dedupID)
        report(confirm)
    }

    /// Reads stdin lines and keeps up to `window` publishes in flight (1 on a terminal, so each line is
    /// confirmed as it is typed); confirms are printed in input order as they arrive.
    private func publishLines(_ client: RoostClient, _ headers: [Header]) async throws {
        let json = output.json
        let publisher = BatchingPublisher(client: client, topic: topic, window: isatty(0) == 1 ? 1 : window) { result in
            if case .success(let confirm) = result { Self.report(confirm, json: json) }
        }
        while let line = readLine(strippingNewline: true) {
            try await publisher.publish(OutgoingMessage(line, key: key, headers: headers))
        }
        _ = try await publisher.flush()
    }

    private func report(_ confirm: PublishConfirm) {
        Self.report(confirm, json: output.json)
    }

    private static func report(_ confirm: PublishConfirm, json: Bool) {
        if json {
            Output.json(["topic": confirm.topic, "offset": confirm.offset, "timestamp": confirm.timestamp, "durable": confirm.durable])
        } else {
            print(confirm.offset)
        }
    }
}
