import ArgumentParser
import Foundation
import RoostClient

/// `--server URL` (or `ROOST_URL`): the broker address, shared by every command that talks to one.
/// Accepts `http://host:port` or `ws://host:port[/v1/ws]`, and `https://` or `wss://` for TLS; both the admin API and
/// the WebSocket endpoint are derived from it. With it, the credentials: `--token` and the CA file that verifies the
/// broker's certificate.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Broker address, http(s)://HOST:PORT or ws(s)://HOST:PORT (env ROOST_URL; default http://127.0.0.1:8080).")
    var server: String?

    @Option(name: .long, help: "Bearer token: a static token or a JWT (env ROOST_TOKEN).")
    var token: String?

    @Option(name: .customLong("ca-file"), help: "PEM CA certificates that verify the broker's TLS certificate instead of the system's (env ROOST_CA_FILE).")
    var caFile: String?

    /// The token from the flag or the environment.
    var bearerToken: String? {
        token ?? ProcessInfo.processInfo.environment["ROOST_TOKEN"]
    }

    /// The CA file from the flag or the environment.
    var trustedCAFile: String? {
        caFile ?? ProcessInfo.processInfo.environment["ROOST_CA_FILE"]
    }

    /// Whether the address asks for TLS (`https://` or `wss://`).
    var usesTLS: Bool {
        address.hasPrefix("https://") || address.hasPrefix("wss://")
    }

    /// The address as given, or from the environment, or the default.
    var address: String {
        server ?? ProcessInfo.processInfo.environment["ROOST_URL"] ?? "http://127.0.0.1:8080"
    }

    /// `host:port` and whether the scheme was understood.
    func hostAndPort() throws -> (host: String, port: Int) {
        var rest = Substring(address)
        for scheme in ["http://", "ws://", "https://", "wss://"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
        }
        guard !rest.contains("://") else {
            throw CLIError.usage("--server: expected http(s)://HOST:PORT or ws(s)://HOST:PORT, got '\(address)'")
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard let colon = rest.lastIndex(of: ":") else { return (String(rest), usesTLS ? 443 : 80) }
        guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port), colon != rest.startIndex else {
            throw CLIError.usage("--server: bad address '\(address)'")
        }
        return (String(rest[..<colon]), port)
    }

    /// The WebSocket URL of the broker.
    func webSocketURL() throws -> String {
        let (host, port) = try hostAndPort()
        return "\(usesTLS ? "wss" : "ws")://\(host):\(port)/v1/ws"
    }

    /// A client configuration carrying the token and CA file.
    func clientConfiguration() -> RoostClientConfiguration {
        var configuration = RoostClientConfiguration()
        configuration.token = bearerToken
        configuration.caFile = trustedCAFile
        return configuration
    }
}

/// `--json`: machine-readable output instead of tables.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}
