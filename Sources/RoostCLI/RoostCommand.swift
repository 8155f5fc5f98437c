import ArgumentParser
import Foundation

/// The `roost` command: the broker (`roost serve`) and every tool an operator uses on it.
public struct RoostCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "roost",
        abstract: "Roost: a pub/sub message broker that speaks WebSocket.",
        discussion: """
            Commands that talk to a broker take --server URL (or ROOST_URL; default http://127.0.0.1:8080).
            Exit codes: 0 success, 1 error, 2 bad arguments, 3 broker unreachable, 4 topic or consumer not \
            found, 5 corruption found (roost log verify), 6 conflict (exists, busy).
            """,
        subcommands: [
            ServeCommand.self, PubCommand.self, SubCommand.self, TopicsCommand.self, ConsumersCommand.self,
            StatsCommand.self, BenchCommand.self, LogCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line and exits: 0 on success, else one line on stderr and a documented exit code
    /// (see `configuration.discussion` and Docs/cli.md) instead of ArgumentParser's defaults.
    public static func runCommandLine(_ arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withCode: Self.report(error))
        }
        exit(withCode: 0)
    }

    /// Prints the error and returns the exit code for it.
    static func report(_ error: any Error) -> Int32 {
        if let error = error as? CLIError {
            Output.error("roost: \(error.message)")
            return error.code.rawValue
        }
        let code = exitCode(for: error)
        if code == .success {
            print(fullMessage(for: error))
            return 0
        }
        let message = fullMessage(for: error)
        if code == .validationFailure {
            Output.error(message.isEmpty ? "roost: bad arguments" : message)
            return CLIError.Code.usage.rawValue
        }
        if !message.isEmpty { Output.error("roost: \(message)") }
        return code.rawValue == 0 ? CLIError.Code.generic.rawValue : code.rawValue
    }

    private static func exit(withCode code: Int32) -> Never {
        fflush(nil)
        Foundation.exit(code)
    }

    /// The executable's entry point from an async context. `main` in main.swift's top-level code may resolve to
    /// the synchronous `ParsableCommand.main()` (swift-argument-parser issue 662), which never runs an async
    /// `run()`; this one runs the command line with Roost's exit codes.
    public static func start() async {
        await runCommandLine()
    }
}

/// `roost bench`: load generators and micro-benchmarks.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Roost: storage append and read, broker fan-out, and WebSocket load.",
        subcommands: [
            BenchPubCommand.self, BenchSubCommand.self, BenchE2ECommand.self, BenchClientCommand.self,
            StorageBenchCommand.self, CodecBenchCommand.self, BrokerBenchCommand.self,
        ]
    )
}
