import Foundation
import RoostStorage
import RoostTesting
import Testing

/// `roost serve` as an operator runs it: the built executable, settings from a config file, the environment and
/// flags, real traffic, then SIGTERM and a clean shutdown.
@Suite("roost serve")
struct ServeCommandTests {
    /// The `roost` executable next to the test bundle (both are products of the same build).
    static var executable: URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("roost")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    @Test("serves with config file, environment and flags, exports storage metrics, and shuts down cleanly on SIGTERM")
    func serveAndTerminate() async throws {
        let roost = try #require(Self.executable, "the roost executable is built with the tests")
        let directory = try TemporaryDirectory(prefix: "roost-serve-test")
        defer { directory.remove() }
        let config = directory.appending("roost.json")
        try Data(#"{"port": 1, "fsync": "interval", "log_level": "info"}"#.utf8).write(to: URL(fileURLWithPath: config))
        let process = Process()
        process.executableURL = roost
        // The flag wins over the file's port; the environment names the data directory.
        process.arguments = ["serve", "--config", config, "--port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["ROOST_DATA": directory.appending("data")]) { $1 }
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let port = try #require(await Self.servingPort(stderr.fileHandleForReading), "roost serve did not report its address")
        let result = try await ScenarioRunner.run("wsbench_frames", port: port)
        #expect(result.status == 0, "\(result.output)")
        let metrics = try await ScenarioRunner.run("fsync_metrics", port: port)
        #expect(metrics.status == 0, "\(metrics.output)")
        let (exit, exited) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            exited.yield(process.terminationStatus)
            exited.finish()
        }
        process.terminate()
        var status: Int32 = -1
        for await code in exit { status = code }
        #expect(status == 0)
        let marker = directory.appending("data/log/") + LogFileNames.cleanShutdownMarker
        #expect(FileManager.default.fileExists(atPath: marker), "clean-shutdown marker written")
    }

    /// Reads log lines until the `roost is serving` line and returns the port of its URL. The blocking reads run
    /// on a thread of their own, not on the cooperative pool.
    private static func servingPort(_ handle: FileHandle) async -> Int? {
        await withCheckedContinuation { continuation in
            Thread {
                var text = ""
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return continuation.resume(returning: nil) }
                    text += String(decoding: chunk, as: UTF8.self)
                    guard let line = text.split(separator: "\n").first(where: { $0.contains("roost is serving") }),
                        let range = line.range(of: "url=ws://127.0.0.1:")
                    else { continue }
                    return continuation.resume(returning: Int(line[range.upperBound...].prefix { $0.isNumber }))
                }
            }.start()
        }
    }
}
