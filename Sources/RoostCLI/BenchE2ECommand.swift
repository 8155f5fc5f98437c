import ArgumentParser
import Foundation
import NIOCore
import RoostClient
import RoostProtocol

/// `roost bench e2e`: publishers and live subscribers on one topic; publish-to-deliver latency.
struct BenchE2ECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e", abstract: "End to end: publishers and live subscribers; publish-to-deliver latency.",
        discussion: """
            Subscribers attach at latest first; then publishers stamp the send time into each payload and \
            subscribers record the delay to delivery. Use --rate for latency under a fixed load.
            Example: roost bench e2e -c 1 --subscribers 1 --rate 10000 -d 10
            """)

    @OptionGroup var options: LoadOptions
    @Option(help: "Subscriber connections.") var subscribers: Int = 1

    func run() async throws {
        guard subscribers >= 1 else { throw CLIError.usage("--subscribers must be at least 1") }
        let counters = LoadCounters()
        var subs: [LoadRun.Handle<SubscribeDriver>] = []
        for _ in 0..<subscribers {
            subs.append(try await LoadRun.open(
                options, make: { SubscribeDriver(connection: $0, window: max(options.window, 1_000), measureLatency: true, counters: counters) },
                received: { $0.received($1) }, readComplete: { $0.readComplete() }))
        }
        for handle in subs { try await handle.runFuture { $0.subscribe(topic: options.topic, from: .latest, waitForCaughtUp: true) } }
        let pubs = try await BenchPublishers.open(options, stamp: true, counters: counters)
        let progress = LoadRun.progress(counters, bytesPerMessage: options.size, enabled: !options.noProgress)
        let start = PublishDriver.now
        try await BenchPublishers.start(pubs)
        try await Task.sleep(for: .milliseconds(Int(options.duration * 1000)))
        _ = try await BenchPublishers.stop(pubs)
        // Wait (at most 5 s) for the deliveries of everything confirmed.
        let confirmed = counters.snapshot.confirmed
        let deadline = PublishDriver.now + 5_000_000_000
        while counters.snapshot.received < confirmed * subscribers && PublishDriver.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        var latency = LatencyHistogram()
        var last: UInt64 = start + 1
        for handle in subs {
            let (h, l) = try await handle.run { ($0.histogram, $0.lastMessageNanos) }
            latency.merge(h)
            last = max(last, l)
        }
        progress.cancel()
        for handle in subs + [] { await handle.connection.close() }
        for handle in pubs { await handle.connection.close() }
        let totals = counters.snapshot
        BenchReport(
            scenario: "e2e", options: options, subscribers: subscribers, seconds: Double(last - start) / 1e9,
            sent: totals.sent, confirmed: totals.confirmed, received: totals.received, receivedBytes: totals.receivedBytes,
            errors: totals.errors, latencyLabel: "publish to deliver", latency: latency
        ).print()
    }
}
