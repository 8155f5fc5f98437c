import ArgumentParser
import Foundation
import NIOCore
import RoostClient
import RoostProtocol

/// `roost sub TOPIC|PATTERN`: print messages as JSON lines or raw payloads, for shell pipelines.
struct SubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sub", abstract: "Subscribe and print messages (JSON lines or raw payloads).",
        discussion: """
            Each JSON line has topic, offset, timestamp, key (or key_b64) and headers when present, and the payload \
            as the wire protocol carries it: a JSON payload as a JSON value in data, anything else base64 in \
            data_b64. --raw prints the payload bytes instead, one message per line. Runs until --count messages, \
            --until-caught-up, or Ctrl-C.
            Examples:
              roost sub 'orders.*' --from earliest --consumer billing --ack
              roost sub numbers --from earliest --count 1000 --raw
            """)

    @Argument(help: "Topic name or pattern (* one token, > one or more trailing tokens).") var topic: String
    @Option(help: "Start of a new consumer: earliest, latest, OFFSET, ISO 8601 time, -1h, or @MS.") var from: String = "latest"
    @Option(help: "Durable consumer name (resumes where it left off; shared by several subscribers).") var consumer: String?
    @Option(help: "Exit after this many messages.") var count: Int?
    @Flag(help: "Explicit acks: ack each message after printing it.") var ack = false
    @Flag(name: .customLong("until-caught-up"), help: "Exit once replay reaches the live tail.") var untilCaughtUp = false
    @Option(help: "json (one JSON object per line) or raw (payload bytes, one message per line).") var output: String = "json"
    @Flag(help: "Print payload bytes, one message per line (the same as --output raw).") var raw = false
    @Option(name: .customLong("max-inflight"), help: "Most messages on their way at once.") var maxInflight: Int = 1_000
    @OptionGroup var server: ServerOptions

    func validate() throws {
        guard ["json", "raw"].contains(output) else { throw ValidationError("--output must be json or raw") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard maxInflight >= 1 else { throw ValidationError("--max-inflight must be at least 1") }
    }

    func run() async throws {
        let start: StartPosition
        switch try Durations.position(from, option: "--from") {
        case .earliest: start = .earliest
        case .latest: start = .latest
        case .offset(let o): start = .offset(o)
        case .time(let t): start = .time(t)
        }
        let client = try await ClientConnector.connect(server)
        do {
            let options = SubscriptionOptions(
                topic: topic, consumer: consumer, from: start, ack: ack ? .explicit : .none,
                maxInflight: maxInflight, batch: 64)
            let subscription = try await client.subscribe(options)
            var received = 0
            var done = false
            loop: for try await event in subscription {
                switch event {
                case .caughtUp:
                    if untilCaughtUp { done = true }
                case .message(let message):
                    FileHandle.standardOutput.write(raw || output == "raw" ? SubOutput.rawLine(message) : SubOutput.jsonLine(message))
                    if ack { subscription.ack(message) }
                    received += 1
                    if let count, received >= count { done = true }
                }
                if done { break loop }
            }
            // The sequence ends by itself only when the connection is gone (the CLI does not reconnect).
            guard done || Task.isCancelled else {
                throw CLIError(.unreachable, "lost the connection to the broker at \(server.address)")
            }
            if ack || consumer != nil { try await subscription.unsubscribe() }
        } catch {
            await client.close()
            throw ClientConnector.cliError(error)
        }
        await client.close()
    }
}
