import Foundation

/// Runs Tests/RoostServerTests/Python/roost_scenarios.py (on the `websockets` library, installed by `make deps`),
/// answering its checkpoints: a line `CHECKPOINT <action>` on its stdout runs `onCheckpoint(action)`, then the
/// runner writes `ok` to its stdin. No sleeps: every wait is on the subprocess's output or exit, and no wait blocks
/// a thread of the cooperative pool (a thread of its own reads the pipe).
enum ScenarioRunner {
    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Python/roost_scenarios.py")

    static func run(
        _ scenario: String, port: Int, onCheckpoint: @escaping @Sendable (String) async throws -> Void = { _ in }
    ) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, scenario, String(port)]
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stdout
        process.standardInput = stdin
        let (lines, continuation) = AsyncStream<String>.makeStream()
        let reader = stdout.fileHandleForReading
        let (exit, exited) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            exited.yield(process.terminationStatus)
            exited.finish()
        }
        try process.run()
        // A plain thread reads the pipe: blocking reads stay off the cooperative pool.
        let thread = Thread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    continuation.yield(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
            continuation.finish()
        }
        thread.start()
        var output: [String] = []
        for await line in lines {
            output.append(line)
            if line.hasPrefix("CHECKPOINT ") {
                try await onCheckpoint(String(line.dropFirst("CHECKPOINT ".count)))
                stdin.fileHandleForWriting.write(Data("ok\n".utf8))
            }
        }
        var status: Int32 = -1
        for await code in exit { status = code }
        return Result(status: status, output: output.joined(separator: "\n"))
    }
}
