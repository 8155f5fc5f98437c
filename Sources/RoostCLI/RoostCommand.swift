import ArgumentParser

/// The `roost` command: the broker (`roost serve`) and every tool an operator uses on it.
public struct RoostCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "roost",
        abstract: "Roost: a pub/sub message broker that speaks WebSocket.",
        subcommands: [ServeCommand.self, BenchCommand.self]
    )

    public init() {}

    /// The executable's entry point. Called from an async function, `main` resolves to the asynchronous
    /// `AsyncParsableCommand.main()`; in main.swift's top-level code it may resolve to the synchronous
    /// `ParsableCommand.main()` (swift-argument-parser issue 662), which never runs an async `run()`.
    public static func start() async {
        await main(nil)
    }
}

/// `roost bench`: load generators and micro-benchmarks.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Roost: storage append and read, broker fan-out, and WebSocket load.",
        subcommands: [StorageBenchCommand.self, CodecBenchCommand.self, BrokerBenchCommand.self]
    )
}
