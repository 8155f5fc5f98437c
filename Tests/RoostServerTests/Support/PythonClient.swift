import Foundation
import Testing

/// Runs Tests/RoostServerTests/Scripts/ws_client.py, a client built on the Python `websockets` library (installed
/// by `make deps`), so the server is checked against a WebSocket implementation this project did not write.
enum PythonClient {
    struct Result {
        var status: Int32
        var output: String
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/ws_client.py")

    static func run(scenario: String, port: Int, arguments: [String] = []) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, scenario, "ws://127.0.0.1:\(port)/v1/ws"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Result(status: status, output: text)
    }
}
