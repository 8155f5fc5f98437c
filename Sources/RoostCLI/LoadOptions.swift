import ArgumentParser
import RoostProtocol

/// Options shared by `roost bench pub|sub|e2e`.
struct LoadOptions: ParsableArguments {
    @Option(name: [.short, .customLong("connections")], help: "Publisher connections.") var connections: Int = 4
    @Option(name: [.short, .customLong("size")], help: "Payload bytes per message (at least 16).") var size: Int = 128
    @Option(name: [.short, .customLong("rate")], help: "Total publish rate in msgs/s across connections; 0 = as fast as confirms allow.") var rate: Int = 0
    @Option(name: [.short, .customLong("window")], help: "Unconfirmed publishes per connection (and credit per subscriber).") var window: Int = 256
    @Option(name: [.short, .customLong("duration")], help: "Seconds to run.") var duration: Double = 5
    @Option(help: "Topic (created by the broker on first publish if it allows that).") var topic: String = "bench"
    @Option(help: "Wire encoding: binary or json.") var encoding: String = "binary"
    @Flag(help: "Print the result as one JSON object.") var json = false
    @Flag(help: "Give every publish a distinct dedup id, as RoostClient does by default.") var dedup = false
    @Flag(name: .customLong("no-progress"), help: "No live progress on stderr.") var noProgress = false
    @OptionGroup var server: ServerOptions

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard size >= 16 else { throw ValidationError("--size must be at least 16 (the payload carries a timestamp)") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard rate >= 0, duration > 0 else { throw ValidationError("--rate must be >= 0 and --duration > 0") }
        guard ["binary", "json"].contains(encoding) else { throw ValidationError("--encoding must be binary or json") }
    }

    var wireEncoding: WireEncoding { encoding == "json" ? .json : .binary }
}
