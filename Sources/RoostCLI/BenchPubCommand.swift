import ArgumentParser
import Foundation
import NIOCore
import RoostClient
import RoostProtocol

/// `roost bench pub`: confirmed publish load over WebSocket.
struct BenchPubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pub", abstract: "Publish load: N connections, each with a window of unconfirmed publishes.",
        discussion: """
            Frames are encoded and masked once and reused, so the generator stays cheap. The rate counts confirmed \
            messages from the first send to the last confirm; latency is publish to confirm. With --batch N every \
            frame is a publish_batch of N messages (one log batch, one confirm), as a batching producer sends; the \
            window still counts messages.
            Example: roost bench pub -c 4 -w 256 -z 128 -d 5 --server http://127.0.0.1:8080
            Example: roost bench pub -c 1 -w 1000 --batch 64 --dedup
            """)

    @OptionGroup var options: LoadOptions
    @Option(help: "Messages per frame: 1 sends publish frames, N > 1 publish_batch frames of N (at most 10000).") var batch: Int = 1

    func validate() throws {
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 10000") }
    }

    func run() async throws {
        let counters = LoadCounters()
        let handles = try await BenchPublishers.open(options, stamp: false, counters: counters, batch: batch)
        let progress = LoadRun.progress(counters, bytesPerMessage: options.size, enabled: !options.noProgress)
        let start = PublishDriver.now
        try await BenchPublishers.start(handles)
        try await Task.sleep(for: .milliseconds(Int(options.duration * 1000)))
        let (latency, last) = try await BenchPublishers.stop(handles)
        progress.cancel()
        for handle in handles { await handle.connection.close() }
        let totals = counters.snapshot
        BenchReport(
            scenario: "pub", options: options, seconds: Double(max(last, start + 1) - start) / 1e9, sent: totals.sent,
            confirmed: totals.confirmed, errors: totals.errors, latencyLabel: "publish to confirm", latency: latency
        ).print()
        if totals.errors > 0 { throw CLIError(.generic, "\(totals.errors) publishes were rejected") }
    }
}
