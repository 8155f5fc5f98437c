import Testing

/// Exit codes scripts rely on (Docs/cli.md), for failures that need no broker.
@Suite struct ExitCodeTests {
    @Test func badArgumentsExitWith2AndOneClearLine() async throws {
        for arguments in [["topics", "frob"], ["bench", "pub", "--size", "3"], ["sub"], ["consumers", "reset", "c", "--to", "yesterday-ish"]] {
            let result = try await RoostProcess.run(arguments + ["--server", "http://127.0.0.1:1"])
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.isEmpty)
        }
    }

    @Test func unreachableBrokerExitsWith3() async throws {
        for arguments in [["topics", "list"], ["pub", "t", "x"], ["sub", "t", "--count", "1"], ["stats"]] {
            let result = try await RoostProcess.run(arguments, environment: ["ROOST_URL": "http://127.0.0.1:1"])
            #expect(result.status == 3, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("roost: cannot reach the broker"))
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func missingLogPathExitsWith4() async throws {
        let result = try await RoostProcess.run(["log", "verify", "/nonexistent/roost-data"])
        #expect(result.status == 4)
    }

    @Test func helpExitsWith0() async throws {
        let result = try await RoostProcess.run(["--help"])
        #expect(result.status == 0 && result.stdout.contains("Exit codes"))
        for command in ["pub", "sub", "topics", "consumers", "stats", "bench", "log"] {
            #expect(try await RoostProcess.run([command, "--help"]).status == 0)
        }
    }
}
