import Logging
import NIOCore
import RoostServer
import RoostTesting

/// A temporary directory removed when the last broker using it goes away.
final class OwnedDirectory: Sendable {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "roost-client-test")
    }

    deinit {
        directory.remove()
    }
}

/// A real broker (`RoostBrokerServer`) in-process on an ephemeral port with a temporary data directory;
/// `restart()` stops it and starts a new one on the same port and directory.
final class LiveBroker: Sendable {
    let owned: OwnedDirectory
    var directory: TemporaryDirectory { owned.directory }
    let server: RoostBrokerServer
    let port: Int

    private init(owned: OwnedDirectory, server: RoostBrokerServer, port: Int) {
        self.owned = owned
        self.server = server
        self.port = port
    }

    static func start(directory: OwnedDirectory? = nil, port: Int = 0) async throws -> LiveBroker {
        let owned = try directory ?? OwnedDirectory()
        var configuration = BrokerServerConfiguration(dataDirectory: owned.directory.path)
        configuration.server.port = port
        configuration.server.shutdownTimeout = .seconds(2)
        // As in the server tests' harnesses: a test process whose cooperative pool is held by blocking test bodies
        // on a loaded machine may take longer than the default 10 s between accepting a connection and sending its
        // upgrade request, and the broker would drop it ("the connection closed at once").
        configuration.server.handshakeTimeout = .seconds(600)
        var logger = Logger(label: "roost.test")
        logger.logLevel = .warning
        let server = try RoostBrokerServer(configuration: configuration, logger: logger)
        try await server.start()
        guard let bound = server.port else { throw CancellationError() }
        return LiveBroker(owned: owned, server: server, port: bound)
    }

    var url: String { "ws://127.0.0.1:\(port)/v1/ws" }
    var httpURL: String { "http://127.0.0.1:\(port)" }

    func stop() async throws {
        try await server.shutdown()
    }

    func restart() async throws -> LiveBroker {
        try await stop()
        return try await Self.start(directory: owned, port: port)
    }
}
