import ArgumentParser
import Foundation
import NIOCore
import RoostClient
import RoostProtocol

/// `roost bench client`: the publish rate a Swift service reaches through the client library
/// (`RoostClient` + `BatchingPublisher`) over one connection, to compare with `roost bench pub -c 1`.
struct BenchClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Publish through the RoostClient library over one connection (BatchingPublisher).",
        discussion: """
            Measures what an application gets from the library (a dedup id per message, request ids matched to \
            confirms) rather than the raw protocol. Compare with: roost bench pub -c 1 -w 1000.
            Example: roost bench client -w 1000 -d 5
            """)

    @Option(name: [.short, .customLong("size")], help: "Payload bytes per message.") var size: Int = 128
    @Option(name: [.short, .customLong("window")], help: "BatchingPublisher window (unconfirmed messages).") var window: Int = 1_000
    @Option(name: [.short, .customLong("duration")], help: "Seconds to run.") var duration: Double = 5
    @Option(help: "Topic.") var topic: String = "bench"
    @Option(help: "Wire encoding: binary or json.") var encoding: String = "binary"
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(name: .customLong("no-dedup"), help: "Do not give each publish a dedup id (the broker then skips its dedup table).") var noDedup = false
    @OptionGroup var server: ServerOptions

    func validate() throws {
        guard size >= 1, window >= 1, duration > 0 else { throw ValidationError("--size, --window and --duration must be positive") }
        guard ["binary", "json"].contains(encoding) else { throw ValidationError("--encoding must be binary or json") }
    }

    func run() async throws {
        let client = try await ClientConnector.connect(server, encoding: encoding == "json" ? .json : .binary, dedup: !noDedup)
        let publisher = BatchingPublisher(client: client, topic: topic, window: window)
        let payload = ByteBuffer(string: encoding == "json" ? "\"" + String(repeating: "x", count: max(0, size - 2)) + "\"" : String(repeating: "x", count: size))
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int(duration * 1000))
        do {
            while ContinuousClock.now < end {
                for _ in 0..<256 { try await publisher.publish(payload) }
            }
            _ = try await publisher.flush()
        } catch {
            await client.close()
            throw ClientConnector.cliError(error)
        }
        let elapsed = (ContinuousClock.now - start)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        await client.close()
        let rate = Double(publisher.confirmedCount) / seconds
        if json {
            Output.json(["scenario": "client", "window": window, "size": size, "encoding": encoding, "seconds": seconds,
                         "confirmed": publisher.confirmedCount, "frames": publisher.framesSent, "msgs_per_s": rate, "mb_per_s": rate * Double(size) / 1e6])
        } else {
            print(String(format: "client: 1 connection, BatchingPublisher window %d, %d B, %@, %.2f s", window, size, encoding, seconds))
            print(String(format: "  confirmed %@  rate %@ msgs/s  %.1f MB/s  %.1f messages per frame", LoadRun.group(publisher.confirmedCount),
                         LoadRun.group(Int(rate)), rate * Double(size) / 1e6, Double(publisher.confirmedCount) / Double(max(1, publisher.framesSent))))
        }
    }
}
