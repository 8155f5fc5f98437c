import Logging
import NIOCore
import RoostClient
import RoostProtocol

/// Opens a ``RoostClient`` for a command: no reconnects (a CLI reports a lost broker instead of waiting),
/// and connect failures mapped to exit code 3.
enum ClientConnector {
    static func connect(_ server: ServerOptions, encoding: WireEncoding = .binary, dedup: Bool = true) async throws -> RoostClient {
        var configuration = server.clientConfiguration()
        configuration.assignDedupIDs = dedup
        configuration.encoding = encoding
        configuration.reconnect = false
        configuration.logger.logLevel = .error
        let client = RoostClient(url: try server.webSocketURL(), configuration: configuration)
        do {
            try await client.connect()
        } catch let error as RoostClientError {
            throw CLIError(.unreachable, "cannot reach the broker at \(server.address): \(error.message)")
        }
        return client
    }

    /// Maps a broker rejection to the CLI's exit codes.
    static func cliError(_ error: any Error) -> any Error {
        guard let error = error as? RoostClientError else { return error }
        if let code = error.serverCode {
            switch code {
            case .topicNotFound, .consumerNotFound: return CLIError(.notFound, error.description)
            case .topicExists, .consumerBusy: return CLIError(.conflict, error.description)
            case .invalidTopic, .invalidField, .missingField, .badRequest: return CLIError(.usage, error.description)
            default: return CLIError(.generic, error.description)
            }
        }
        if error.code == "closed" || error.code == "connect_failed" {
            return CLIError(.unreachable, "lost the connection to the broker: \(error.message)")
        }
        return CLIError(.generic, error.description)
    }
}
