import Foundation
import Logging
import NIOCore
import RoostBroker
import RoostSecurity
import RoostServer
import RoostStorage

/// The settings of `roost serve`: one table of keys, each readable from the JSON config file (`"port": 8080`),
/// the environment (`ROOST_PORT=8080`) and the command line (`--port 8080` for the common ones, `--set port=8080`
/// for every key). Later sources win: defaults, then the config file, then the environment, then flags.
/// Docs/operations.md lists the same table.
struct ServeSettings {
    /// One setting: its key, what it means, and how a value applies to the configuration.
    struct Key: Sendable {
        let name: String
        let help: String
        let apply: @Sendable (inout BrokerServerConfiguration, String) throws -> Void

        /// The environment variable: `ROOST_` and the key in capitals.
        var environmentVariable: String { "ROOST_" + name.uppercased() }
    }

    /// An invalid value or unknown key, with the source it came from.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Every key, in documentation order.
    static let keys: [Key] = [
        Key(name: "host", help: "address to listen on (default 127.0.0.1)") { $0.server.host = $1 },
        Key(name: "port", help: "TCP port (default 8080; 0 = any free port)") {
            let port = try int($1)
            guard port <= 65_535 else { throw Failure(description: "a port is 0...65535") }
            $0.server.port = port
        },
        Key(name: "data", help: "data directory (default ./data)") { $0.dataDirectory = $1 },
        Key(name: "fsync", help: "default fsync policy of new topics: always | interval | never (default always)") {
            $0.broker.defaultTopicConfiguration.fsync = try fsync($1, current: $0.broker.defaultTopicConfiguration.fsync)
        },
        // Applied after every other key (see `configuration()`), so that it does not depend on the order of sources.
        Key(name: "fsync_interval_ms", help: "fsync interval with fsync=interval, ms (default 1000)") { _, value in
            guard try int64(value) > 0 else { throw Failure(description: "the interval must be positive") }
        },
        Key(name: "fsync_concurrency", help: "fdatasyncs of one topic that may run at once with fsync=always, new topics, 1-16 (default 1; more helps disks with slow flushes)") {
            let value = try int($1)
            guard (1...16).contains(value) else { throw Failure(description: "fsync_concurrency is 1...16") }
            $0.broker.defaultTopicConfiguration.maxConcurrentSyncs = value
        },
        Key(name: "preallocate_bytes", help: "with fsync=always, zeros written ahead of the active segment's end so that each fdatasync is a data flush, new topics, bytes (0 = off, at most 64 MiB; default 1 MiB)") {
            let value = try int($1)
            guard (0...(64 << 20)).contains(value) else { throw Failure(description: "preallocate_bytes is 0...67108864") }
            $0.broker.defaultTopicConfiguration.preallocateBytes = value
        },
        Key(name: "merged_batch_bytes", help: "largest batch group commit makes by merging appends, new topics, bytes (1 KiB ... 1 GiB; default 1 MiB; a larger single append still gets its own batch)") {
            let value = try int($1)
            guard (1024...(1 << 30)).contains(value) else { throw Failure(description: "merged_batch_bytes is 1024...1073741824") }
            $0.broker.defaultTopicConfiguration.mergedBatchBytes = value
        },
        Key(name: "compression", help: "compression of new topics: none | lz4 (default none)") {
            guard let codec = CompressionCodec(rawValue: $1) else { throw Failure(description: "compression must be none or lz4") }
            $0.broker.defaultTopicConfiguration.compression = codec
        },
        Key(name: "retention_ms", help: "retention of new topics, ms; 0 = forever (default 7 days)") {
            let value = try int64($1)
            $0.broker.defaultTopicConfiguration.retentionMilliseconds = value == 0 ? nil : value
        },
        Key(name: "retention_bytes", help: "size limit of new topics, bytes; 0 = none (default none)") {
            let value = try int64($1)
            $0.broker.defaultTopicConfiguration.retentionBytes = value == 0 ? nil : value
        },
        Key(name: "segment_bytes", help: "segment size of new topics, bytes (default 64 MiB)") {
            $0.broker.defaultTopicConfiguration.segmentBytes = try int($1)
        },
        Key(name: "auto_create_topics", help: "create topics on first publish: true | false (default true)") {
            $0.broker.autoCreateTopics = try bool($1)
        },
        Key(name: "max_connections", help: "open TCP connections (default 10000)") { $0.server.maxConnections = try int($1) },
        Key(name: "max_message_bytes", help: "payload + key + headers of one message (default 1 MiB)") {
            $0.broker.maxMessageBytes = try int($1)
        },
        Key(name: "max_frame_bytes", help: "WebSocket frame and message size, close 1009 beyond (default 1 MiB + 64 KiB)") {
            let value = try int($1)
            $0.server.maxFrameSize = value
            $0.server.maxMessageSize = value
        },
        Key(name: "max_batch_messages", help: "messages in one publish_batch (default 10000)") {
            $0.broker.maxBatchMessages = try int($1)
        },
        Key(name: "max_batch_bytes", help: "bytes in one publish_batch (default 16 MiB)") { $0.broker.maxBatchBytes = try int($1) },
        Key(name: "max_subscriptions", help: "subscriptions per connection (default 100)") {
            $0.session.maxSubscriptionsPerConnection = try int($1)
        },
        Key(name: "max_inflight", help: "default max_inflight of a subscription (default 1000)") {
            $0.session.defaultMaxInFlight = try int($1)
        },
        Key(name: "max_inflight_limit", help: "largest max_inflight a subscription may ask for (default 10000)") {
            $0.broker.maxInFlightLimit = try int($1)
        },
        Key(name: "max_delivery_batch", help: "largest batch a subscription may ask for (default 1000)") {
            $0.session.maxDeliveryBatch = try int($1)
        },
        Key(name: "read_cache_bytes", help: "log reads kept for consumers catching up together, whole broker; 0 = off (default 128 MiB)") {
            $0.broker.readCacheBytes = try int($1)
        },
        Key(name: "read_cache_idle_ms", help: "drop a cached read nobody used for this long, ms (default 10000)") {
            $0.broker.readCacheIdleMilliseconds = try int64($1)
        },
        Key(name: "event_loops", help: "threads that run the connections, 1-256 (default half the cores, at least 1)") {
            let value = try int($1)
            guard (1...256).contains(value) else { throw Failure(description: "event_loops is 1...256") }
            $0.eventLoops = value
        },
        Key(name: "inline_write_max_bytes", help: "largest publish an event loop writes to an idle log itself (and, with fsync=always, syncs at the end of its turn), bytes; 0 = never (default 4096 with one event loop, 0 with more)") {
            $0.broker.inlineWriteMaxBytes = try int($1)
        },
        Key(name: "inline_sync_max_us", help: "with fsync=always, an event loop waits for a quiet topic's fdatasync itself only while they average at most this, µs; 0 = never (default 1000)") {
            $0.broker.inlineSyncMaxMicroseconds = try int($1)
        },
        Key(name: "max_pending_publishes", help: "unconfirmed publishes per connection before reading pauses (default 4096)") {
            $0.session.maxPendingPublishes = try int($1)
        },
        Key(name: "handshake_timeout_ms", help: "time to send a complete HTTP request or WebSocket handshake, ms (default 10000)") {
            $0.server.handshakeTimeout = .milliseconds(try int64($1))
        },
        Key(name: "ping_interval_ms", help: "keepalive ping interval, ms (default 30000)") {
            $0.server.pingInterval = .milliseconds(try int64($1))
        },
        Key(name: "idle_timeout_ms", help: "close a silent WebSocket after, ms (default 90000)") {
            $0.server.idleTimeout = .milliseconds(try int64($1))
        },
        Key(name: "shutdown_timeout_ms", help: "longest graceful shutdown of connections, ms (default 10000)") {
            $0.server.shutdownTimeout = .milliseconds(try int64($1))
        },
        Key(name: "tick_interval_ms", help: "redelivery timer interval, ms (default 100)") {
            $0.tickIntervalMilliseconds = try int64($1)
        },
        Key(name: "retention_interval_ms", help: "interval between retention passes, ms (default 60000)") {
            $0.retentionIntervalMilliseconds = try int64($1)
        },
        Key(name: "security_file", help: "JSON file with tokens, JWT keys, permissions, origins, rate limits (Docs/security.md)") { _, _ in },
        Key(name: "auth", help: "authentication: auto (on unless listening on loopback) | on | off (default auto)") { _, value in
            guard SecurityConfiguration.AuthenticationMode(rawValue: value) != nil else {
                throw Failure(description: "expected auto, on or off")
            }
        },
        Key(name: "auth_timeout_ms", help: "time a connection without a token has to send an auth frame, ms; 0 = token required at the upgrade (default 10000; overrides the security file)") {
            _, value in _ = try int64(value)
        },
        Key(name: "tls_cert", help: "PEM certificate chain for wss:// and https://; reloaded on SIGHUP (with tls_key)") {
            $0.server.tls = ServerTLSConfiguration(certificateChainPath: $1, privateKeyPath: $0.server.tls?.privateKeyPath ?? "")
        },
        Key(name: "tls_key", help: "PEM private key of tls_cert") {
            $0.server.tls = ServerTLSConfiguration(certificateChainPath: $0.server.tls?.certificateChainPath ?? "", privateKeyPath: $1)
        },
        Key(name: "log_level", help: "trace | debug | info | notice | warning | error | critical (default info)") { _, value in
            guard Logger.Level(rawValue: value) != nil else { throw Failure(description: "unknown log level '\(value)'") }
        },
    ]

    /// Raw values by key, in the order they were applied (later wins).
    private(set) var values: [(key: String, value: String, source: String)] = []

    /// Adds every key of a JSON config file (an object of strings, numbers, booleans or null).
    mutating func addConfigFile(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read config file '\(path)'")
        }
        guard let object = try? JSONDecoder().decode([String: ConfigValue].self, from: data) else {
            throw Failure(description: "config file '\(path)' is not a JSON object of strings, numbers and booleans")
        }
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            values.append((key, value.text, "config file '\(path)'"))
        }
    }

    /// Adds every `ROOST_<KEY>` variable that is set.
    mutating func addEnvironment(_ environment: [String: String]) {
        for key in Self.keys {
            if let value = environment[key.environmentVariable] { values.append((key.name, value, key.environmentVariable)) }
        }
    }

    /// Adds one value from the command line.
    mutating func add(_ key: String, _ value: String?, source: String) {
        if let value { values.append((key, value, source)) }
    }

    /// The last value given for `key`.
    func value(of key: String) -> String? { values.last { $0.key == key }?.value }

    /// The configuration these values describe.
    func configuration() throws -> BrokerServerConfiguration {
        var configuration = BrokerServerConfiguration(dataDirectory: "./data")
        for entry in values {
            guard let key = Self.keys.first(where: { $0.name == entry.key }) else {
                throw Failure(description: "\(entry.source): unknown setting '\(entry.key)'")
            }
            do {
                try key.apply(&configuration, entry.value)
            } catch {
                throw Failure(description: "\(entry.source): invalid value '\(entry.value)' for '\(entry.key)': \(error)")
            }
        }
        if case .interval = configuration.broker.defaultTopicConfiguration.fsync,
            let interval = value(of: "fsync_interval_ms").flatMap({ Int64($0) })
        {
            configuration.broker.defaultTopicConfiguration.fsync = .interval(milliseconds: interval)
        }
        // An inline write hands the message to subscribers on the publisher's event loop: with one loop that is theirs
        // too, with several it is usually not, and there inline writes raised the p99 latency (Docs/benchmarks.md,
        // "Session 5: latency").
        if value(of: "inline_write_max_bytes") == nil, configuration.eventLoops > 1 {
            configuration.broker.inlineWriteMaxBytes = 0
        }
        if let tls = configuration.server.tls, tls.certificateChainPath.isEmpty || tls.privateKeyPath.isEmpty {
            throw Failure(description: "tls_cert and tls_key go together: give both or neither")
        }
        do {
            try configuration.server.validate()
            try configuration.broker.defaultTopicConfiguration.validate()
        } catch {
            throw Failure(description: "invalid settings: \(error)")
        }
        return configuration
    }

    /// The security configuration these values describe: the `security_file` (or none), then the `auth` and
    /// `auth_timeout_ms` settings over it.
    func security() throws -> SecurityConfiguration {
        var security = SecurityConfiguration()
        do {
            if let file = value(of: "security_file") { security = try SecurityConfiguration.load(path: file) }
        } catch {
            throw Failure(description: "\(error)")
        }
        if let mode = value(of: "auth").flatMap(SecurityConfiguration.AuthenticationMode.init(rawValue:)) {
            security.authentication = mode
        }
        if let timeout = value(of: "auth_timeout_ms").flatMap({ Int64($0) }) {
            security.authTimeoutMilliseconds = timeout
        }
        return security
    }

    private static func int(_ text: String) throws -> Int {
        guard let value = Int(text), value >= 0 else { throw Failure(description: "expected a non-negative integer") }
        return value
    }

    private static func int64(_ text: String) throws -> Int64 {
        guard let value = Int64(text), value >= 0 else { throw Failure(description: "expected a non-negative integer") }
        return value
    }

    private static func bool(_ text: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw Failure(description: "expected true or false")
        }
    }

    private static func fsync(_ text: String, current: FsyncPolicy) throws -> FsyncPolicy {
        switch text {
        case "always": return .always
        case "never": return .never
        case "interval":
            if case .interval = current { return current }
            return .interval(milliseconds: 1_000)
        default: throw Failure(description: "expected always, interval or never")
        }
    }
}

/// One value of the JSON config file, kept as the text a flag or variable would carry.
private struct ConfigValue: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            text = "0"
        } else if let bool = try? container.decode(Bool.self) {
            text = bool ? "true" : "false"
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else {
            text = try container.decode(String.self)
        }
    }
}
