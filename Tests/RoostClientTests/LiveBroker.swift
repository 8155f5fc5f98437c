import Logging
import NIOCore
import RoostServer
import RoostTesting

/// A real broker (`RoostBrokerServer`) in-process on an ephemeral port with a temporary data directory;
/// `restart()` stops it and starts a new one on the same port and directory.
final class LiveBroker: Sendable {
    let directory: TemporaryDirectory
    let server: RoostBrokerServer
    let port: Int

    private init(directory: TemporaryDirectory, server: RoostBrokerServer, port: Int) {
        self.directory = directory
        self.server = server
        self.port = port
    }

    static func start(directory: TemporaryDirectory? = nil, port: Int = 0) async throws -> LiveBroker {
        let directory = try directory ?? TemporaryDirectory(prefix: "roost-client-test")
        var configuration = BrokerServerConfiguration(dataDirectory: directory.path)
        configuration.server.port = port
        configuration.server.shutdownTimeout = .seconds(2)
        var logger = Logger(label: "roost.test")
        logger.logLevel = .warning
        let server = try RoostBrokerServer(configuration: configuration, logger: logger)
        try await server.start()
        guard let bound = server.port else { throw CancellationError() }
        return LiveBroker(directory: directory, server: server, port: bound)
    }

    var url: String { "ws://127.0.0.1:\(port)/v1/ws" }
    var httpURL: String { "http://127.0.0.1:\(port)" }

    func stop() async throws {
        try await server.shutdown()
    }

    func restart() async throws -> LiveBroker {
        try await stop()
        return try await Self.start(directory: directory, port: port)
    }
}
