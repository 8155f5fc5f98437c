import Foundation

/// Certificates made at test time by the `openssl` command (`/usr/bin/openssl`) in a temporary directory that is
/// removed with the value: CAs, and server certificates for `localhost` and `127.0.0.1` signed by one of them.
/// For TLS tests of servers and clients; never for production keys.
public final class TestCertificates {
    /// The directory holding the files.
    public let directory: String

    /// Creates the (empty) directory.
    public init() throws {
        self.directory = NSTemporaryDirectory() + "roost-tls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: self.directory) }

    /// The path of `name` in the directory.
    public func path(_ name: String) -> String { self.directory + "/" + name }

    /// A self-signed CA `<name>.pem` with key `<name>.key`.
    public func makeCA(_ name: String) async throws {
        try await Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-subj", "/CN=Roost test CA \(name)", "-keyout", self.path("\(name).key"), "-out", self.path("\(name).pem"),
        ])
    }

    /// A certificate for `localhost` signed by the CA `ca`, as `<name>.pem` and `<name>.key`.
    public func makeServer(_ name: String, signedBy ca: String) async throws {
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: self.path("san.ext"), atomically: true, encoding: .utf8)
        try await Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
            "-keyout", self.path("\(name).key"), "-out", self.path("\(name).csr"),
        ])
        try await Self.openssl([
            "x509", "-req", "-in", self.path("\(name).csr"), "-CA", self.path("\(ca).pem"), "-CAkey", self.path("\(ca).key"),
            "-CAcreateserial", "-days", "1", "-extfile", self.path("san.ext"), "-out", self.path("\(name).pem"),
        ])
    }

    /// Runs openssl on a thread of its own: waiting for a process on Swift's cooperative pool (two threads on a
    /// two-core machine) would stall every in-process server of a parallel test run.
    private static func openssl(_ arguments: [String]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread { continuation.resume(with: Result { try Self.opensslBlocking(arguments) }) }.start()
        }
    }

    private static func opensslBlocking(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TemporaryDirectoryError(message: "openssl \(arguments.joined(separator: " ")) failed")
        }
    }
}
