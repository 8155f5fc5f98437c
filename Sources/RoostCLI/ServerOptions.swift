import ArgumentParser
import Foundation

/// `--server URL` (or `ROOST_URL`): the broker address, shared by every command that talks to one.
/// Accepts `http://host:port` or `ws://host:port[/v1/ws]`; both the admin API and the WebSocket endpoint
/// are derived from it.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Broker address, http://HOST:PORT or ws://HOST:PORT (env ROOST_URL; default http://127.0.0.1:8080).")
    var server: String?

    /// The address as given, or from the environment, or the default.
    var address: String {
        server ?? ProcessInfo.processInfo.environment["ROOST_URL"] ?? "http://127.0.0.1:8080"
    }

    /// `host:port` and whether the scheme was understood.
    func hostAndPort() throws -> (host: String, port: Int) {
        var rest = Substring(address)
        for scheme in ["http://", "ws://"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
        }
        guard !rest.contains("://") else {
            throw CLIError.usage("--server: expected http://HOST:PORT or ws://HOST:PORT, got '\(address)'")
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard let colon = rest.lastIndex(of: ":") else { return (String(rest), 80) }
        guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port), colon != rest.startIndex else {
            throw CLIError.usage("--server: bad address '\(address)'")
        }
        return (String(rest[..<colon]), port)
    }

    /// The WebSocket URL of the broker.
    func webSocketURL() throws -> String {
        let (host, port) = try hostAndPort()
        return "ws://\(host):\(port)/v1/ws"
    }
}

/// `--json`: machine-readable output instead of tables.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}
