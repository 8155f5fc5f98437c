import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import RoostSecurity
import RoostServer
import RoostStorage

/// `roost serve`: runs the broker until SIGTERM or SIGINT, then shuts down gracefully (confirms sent, close
/// 1001, consumer state and log flushed, clean-shutdown marker written).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the broker: WebSocket at /v1/ws, admin API, /healthz, /readyz, /metrics.",
        discussion: """
            Settings come from defaults, then the JSON config file (--config or ROOST_CONFIG), then ROOST_<KEY>
            environment variables, then flags; later wins. Every key can be given with --set KEY=VALUE:
            \(ServeSettings.keys.map { "  \($0.name): \($0.help)" }.joined(separator: "\n"))
            """
    )

    @Option(help: "JSON config file: an object whose keys are the settings below (env ROOST_CONFIG).")
    var config: String?

    @Option(help: "Address to listen on (env ROOST_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port (env ROOST_PORT; default 8080).")
    var port: Int?

    @Option(help: "Data directory (env ROOST_DATA; default ./data).")
    var data: String?

    @Option(help: "Default fsync policy of new topics: always, interval or never (env ROOST_FSYNC).")
    var fsync: String?

    @Option(name: .customLong("log-level"), help: "Log level (env ROOST_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(name: .customLong("set"), help: "Any setting as KEY=VALUE (repeatable).")
    var settings: [String] = []

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var values = ServeSettings()
        do {
            if let file = config ?? environment["ROOST_CONFIG"] { try values.addConfigFile(file) }
            values.addEnvironment(environment)
            for setting in settings {
                guard let equals = setting.firstIndex(of: "=") else {
                    throw ServeSettings.Failure(description: "--set '\(setting)': expected KEY=VALUE")
                }
                values.add(String(setting[..<equals]), String(setting[setting.index(after: equals)...]), source: "--set")
            }
            values.add("host", host, source: "--host")
            values.add("port", port.map(String.init), source: "--port")
            values.add("data", data, source: "--data")
            values.add("fsync", fsync, source: "--fsync")
            values.add("log_level", logLevel, source: "--log-level")
            let configuration = try values.configuration()
            let security = try values.security()
            try await serve(
                configuration, security: security,
                logLevel: values.value(of: "log_level").flatMap { Logger.Level(rawValue: $0) } ?? .info)
        } catch let failure as ServeSettings.Failure {
            throw ValidationError(failure.description)
        }
    }

    private func serve(
        _ configuration: BrokerServerConfiguration, security securityConfiguration: SecurityConfiguration,
        logLevel: Logger.Level
    ) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        var metricsFactory = PrometheusMetricsFactory(registry: registry)
        metricsFactory.durationHistogramBuckets[StorageHistograms.fsyncSeconds] = StorageHistograms.fsyncSecondsBuckets
        MetricsSystem.bootstrap(metricsFactory)
        let logger = Logger(label: "roost")
        let signals = await TerminationSignals()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoops)
        let server: RoostBrokerServer
        do {
            let security = try await ServerSecurity.make(securityConfiguration, host: configuration.server.host)
            server = try RoostBrokerServer(
                configuration: configuration, eventLoopGroup: group, metricsRegistry: registry, logger: logger,
                security: security)
            try await server.start()
            logger.info("security", metadata: [
                "authentication": "\(security.authenticator.isEnabled ? "on" : "off")",
                "tls": "\(configuration.server.tls == nil ? "off" : "on")",
            ])
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)", "data": "\(configuration.dataDirectory)"])
            throw ExitCode.failure
        }
        // SIGHUP reloads the TLS certificate; a broken file is logged and the old certificate stays.
        let hangup = await HangupSignal {
            do {
                try server.reloadTLS()
            } catch {
                logger.error("TLS reload failed; the previous certificate stays in use", metadata: ["error": "\(error)"])
            }
        }
        defer { withExtendedLifetime(hangup) {} }
        let scheme = configuration.server.tls == nil ? "ws" : "wss"
        logger.info("roost is serving", metadata: [
            "url": "\(scheme)://\(configuration.server.host):\(server.port ?? configuration.server.port)/v1/ws",
            "data": "\(configuration.dataDirectory)",
        ])
        let signal = await signals.next()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        do {
            try await server.shutdown()
            try await group.shutdownGracefully()
        } catch {
            logger.error("shutdown incomplete", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
