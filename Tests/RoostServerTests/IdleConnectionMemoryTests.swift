import Foundation
import RoostServer
import Testing

/// A measurement, not a check: run with `ROOST_MEASURE=1 swift test --filter IdleConnectionMemoryTests`.
/// A Python process holds N idle WebSocket connections; the server's resident memory before and after tells the
/// cost of one idle connection (server side only: the client lives in another process).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ROOST_MEASURE"] != nil))
struct IdleConnectionMemoryTests {
    private static func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kilobytes = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kilobytes * 1024
    }

    @Test func memoryPerIdleWebSocket() async throws {
        let count = 2_000
        var harness = try await ServerHarness.start()
        let before = try Self.residentBytes()
        let port = harness.port
        async let python = PythonClient.run(scenario: "idle", port: port, arguments: [String(count)])
        var opened = 0
        while opened < count, let event = await harness.nextEvent() {
            if case .opened = event { opened += 1 }
        }
        let after = try Self.residentBytes()
        await harness.server.shutdown()
        let result = try await python
        #expect(result.output.contains("closed \(count)"), "\(result.output)")
        print("idle WebSocket connections: \(count), server RSS +\((after - before) / count) bytes each")
    }
}
