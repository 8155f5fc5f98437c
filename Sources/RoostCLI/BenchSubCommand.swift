import ArgumentParser
import Foundation
import NIOCore
import RoostClient
import RoostProtocol

/// `roost bench sub`: subscribe load (replay or live) over WebSocket.
struct BenchSubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sub", abstract: "Subscribe load: N subscriptions reading a topic (replay from earliest by default).",
        discussion: """
            Each of the --connections subscribes with batched delivery and credit of --window messages, and counts \
            what arrives for --duration seconds (or until --count messages per subscriber).
            Example: roost bench pub -d 5 --topic replay && roost bench sub -c 1 --topic replay --count 1000000
            """)

    @OptionGroup var options: LoadOptions
    @Option(help: "Start position: earliest or latest.") var from: String = "earliest"
    @Option(help: "Stop when each subscriber has this many messages.") var count: Int?

    func run() async throws {
        guard from == "earliest" || from == "latest" else { throw CLIError.usage("--from must be earliest or latest") }
        let counters = LoadCounters()
        var handles: [LoadRun.Handle<SubscribeDriver>] = []
        for _ in 0..<options.connections {
            handles.append(try await LoadRun.open(
                options, make: { SubscribeDriver(connection: $0, window: options.window, measureLatency: false, counters: counters) },
                received: { $0.received($1) }, readComplete: { $0.readComplete() }))
        }
        let progress = LoadRun.progress(counters, bytesPerMessage: options.size, enabled: !options.noProgress)
        let start = PublishDriver.now
        let position: StartPosition = from == "earliest" ? .earliest : .latest
        for handle in handles {
            try await handle.runFuture { $0.subscribe(topic: options.topic, from: position, waitForCaughtUp: false) }
        }
        let deadline = start + UInt64(options.duration * 1e9)
        while PublishDriver.now < deadline {
            if let count, counters.snapshot.received >= count * options.connections { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        var last: UInt64 = start + 1
        for handle in handles { last = max(last, try await handle.run { $0.lastMessageNanos }) }
        progress.cancel()
        for handle in handles { await handle.connection.close() }
        let totals = counters.snapshot
        BenchReport(
            scenario: "sub", options: options, subscribers: options.connections, seconds: Double(last - start) / 1e9,
            received: totals.received, receivedBytes: totals.receivedBytes, errors: totals.errors,
            latencyLabel: "", latency: LatencyHistogram()
        ).print()
    }
}
