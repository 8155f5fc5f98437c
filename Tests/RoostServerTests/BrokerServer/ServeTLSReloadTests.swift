import Foundation
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `roost serve` with TLS swaps its certificate on SIGHUP: the built executable, certificates made at test time,
/// the signal sent to the process, and the log line that says the reload happened (a signal, not a sleep).
@Suite struct ServeTLSReloadTests {
    /// The lines a process writes to a pipe, read on a thread of their own (blocking reads stay off the pool).
    private final class LogLines: Sendable {
        let lines: AsyncStream<String>

        init(_ handle: FileHandle) {
            let (lines, continuation) = AsyncStream<String>.makeStream()
            self.lines = lines
            Thread {
                var pending = ""
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    pending += String(decoding: chunk, as: UTF8.self)
                    while let newline = pending.firstIndex(of: "\n") {
                        continuation.yield(String(pending[..<newline]))
                        pending = String(pending[pending.index(after: newline)...])
                    }
                }
                continuation.finish()
            }.start()
        }

        /// The next line containing `text`, or nil when the process ended first.
        func next(containing text: String) async -> String? {
            for await line in self.lines where line.contains(text) { return line }
            return nil
        }
    }

    @Test func sighupReloadsTheCertificateOfARunningServer() async throws {
        let roost = try #require(ServeCommandTests.executable, "the roost executable is built with the tests")
        let directory = try TemporaryDirectory(prefix: "roost-serve-tls")
        defer { directory.remove() }
        let certificates = try TestCertificates()
        try await certificates.makeCA("ca")
        try await certificates.makeCA("next-ca")
        try await certificates.makeServer("server", signedBy: "ca")
        let process = Process()
        process.executableURL = roost
        process.arguments = [
            "serve", "--port", "0", "--data", directory.appending("data"),
            "--set", "tls_cert=\(certificates.path("server.pem"))", "--set", "tls_key=\(certificates.path("server.key"))",
        ]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        let (exit, exited) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            exited.yield(process.terminationStatus)
            exited.finish()
        }
        try process.run()
        let log = LogLines(stderr.fileHandleForReading)
        let serving = try #require(await log.next(containing: "roost is serving"), "roost serve did not start")
        let address = try #require(serving.range(of: "url=wss://127.0.0.1:"), "\(serving)")
        let port = try #require(Int(serving[address.upperBound...].prefix { $0.isNumber }))

        let trustsNext = try TLSServerTests.client(trusting: certificates.path("next-ca.pem"))
        #expect(try await TLSServerTests.handshake(port: port, tls: try TLSServerTests.client(trusting: certificates.path("ca.pem"))))
        #expect(try await !TLSServerTests.handshake(port: port, tls: trustsNext))
        try await certificates.makeServer("server", signedBy: "next-ca")
        kill(process.processIdentifier, SIGHUP)
        #expect(await log.next(containing: "TLS certificate reloaded") != nil)
        #expect(try await TLSServerTests.handshake(port: port, tls: trustsNext), "new connections get the new certificate")

        process.terminate()
        var status: Int32 = -1
        for await code in exit { status = code }
        #expect(status == 0)
    }
}
