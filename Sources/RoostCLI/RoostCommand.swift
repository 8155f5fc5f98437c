import ArgumentParser

/// The `roost` command: the broker (`roost serve`) and every tool an operator uses on it.
public struct RoostCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "roost",
        abstract: "Roost: a pub/sub message broker that speaks WebSocket.",
        subcommands: [BenchCommand.self]
    )

    public init() {}
}

/// `roost bench`: load generators and micro-benchmarks.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Roost: storage append and read, broker fan-out, and WebSocket load.",
        subcommands: [StorageBenchCommand.self, CodecBenchCommand.self, BrokerBenchCommand.self]
    )
}
