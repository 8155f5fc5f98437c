import ArgumentParser

/// The topic settings shared by `topics create` and `topics alter`; only the given ones are sent.
struct TopicConfigOptions: ParsableArguments {
    @Option(help: "Keep messages this long: 7d, 12h, 30m, 10s, 500ms, or 'forever'.")
    var retention: String?

    @Option(name: .customLong("retention-bytes"), help: "Keep at most this many bytes (whole segments deleted); 'none' for no limit.")
    var retentionBytes: String?

    @Option(name: .customLong("segment-bytes"), help: "Roll segments at this size in bytes.")
    var segmentBytes: Int?

    @Option(name: .customLong("segment-age"), help: "Roll segments at this age: 7d, 1h, ...")
    var segmentAge: String?

    @Option(help: "Batch compression: none or lz4.")
    var compression: String?

    @Option(help: "Fsync policy: always (confirm after fdatasync), interval or never.")
    var fsync: String?

    @Option(name: .customLong("fsync-interval"), help: "With --fsync interval: how often, e.g. 1s or 200ms.")
    var fsyncInterval: String?

    /// The admin API's config object with the given fields.
    func config() throws -> [String: Any] {
        var config: [String: Any] = [:]
        if let retention {
            config["retention_ms"] = retention == "forever" ? NSNullValue.null : try Durations.milliseconds(retention, option: "--retention")
        }
        if let retentionBytes {
            if retentionBytes == "none" {
                config["retention_bytes"] = NSNullValue.null
            } else {
                guard let n = Int64(retentionBytes), n > 0 else { throw CLIError.usage("--retention-bytes: expected a positive integer or 'none'") }
                config["retention_bytes"] = n
            }
        }
        if let segmentBytes {
            guard segmentBytes > 0 else { throw CLIError.usage("--segment-bytes: expected a positive integer") }
            config["segment_bytes"] = segmentBytes
        }
        if let segmentAge { config["segment_ms"] = try Durations.milliseconds(segmentAge, option: "--segment-age") }
        if let compression {
            guard ["none", "lz4"].contains(compression) else { throw CLIError.usage("--compression: expected none or lz4") }
            config["compression"] = compression
        }
        if let fsync {
            guard ["always", "interval", "never"].contains(fsync) else { throw CLIError.usage("--fsync: expected always, interval or never") }
            config["fsync"] = fsync
        }
        if let fsyncInterval { config["fsync_interval_ms"] = try Durations.milliseconds(fsyncInterval, option: "--fsync-interval") }
        return config
    }
}
