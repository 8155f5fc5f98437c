import RoostStorage

/// The admin API's topic configuration object (/work/briefs/admin-api.md): every field optional on input, so
/// that one type serves create (over the defaults) and alter (over the current settings); all present on output.
///
/// `retention_ms` and `retention_bytes` distinguish absent (keep) from `null` (no limit).
struct AdminTopicConfig: Codable, Sendable {
    var segmentBytes: Int?
    var segmentMs: Int64?
    var retentionMs: Int64??
    var retentionBytes: Int64??
    var compression: String?
    var fsync: String?
    var fsyncIntervalMs: Int64?

    enum CodingKeys: String, CodingKey {
        case segmentBytes = "segment_bytes", segmentMs = "segment_ms", retentionMs = "retention_ms"
        case retentionBytes = "retention_bytes", compression, fsync, fsyncIntervalMs = "fsync_interval_ms"
    }

    /// The default `fsync_interval_ms` shown for policies other than `interval`.
    static let defaultFsyncInterval: Int64 = 1_000

    init(_ configuration: LogConfiguration) {
        segmentBytes = configuration.segmentBytes
        segmentMs = configuration.segmentMilliseconds
        retentionMs = .some(configuration.retentionMilliseconds)
        retentionBytes = .some(configuration.retentionBytes)
        compression = configuration.compression.rawValue
        switch configuration.fsync {
        case .always: fsync = "always"; fsyncIntervalMs = Self.defaultFsyncInterval
        case .interval(let ms): fsync = "interval"; fsyncIntervalMs = ms
        case .never: fsync = "never"; fsyncIntervalMs = Self.defaultFsyncInterval
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        segmentBytes = try c.decodeIfPresent(Int.self, forKey: .segmentBytes)
        segmentMs = try c.decodeIfPresent(Int64.self, forKey: .segmentMs)
        retentionMs = try Self.decodeNullable(c, .retentionMs)
        retentionBytes = try Self.decodeNullable(c, .retentionBytes)
        compression = try c.decodeIfPresent(String.self, forKey: .compression)
        fsync = try c.decodeIfPresent(String.self, forKey: .fsync)
        fsyncIntervalMs = try c.decodeIfPresent(Int64.self, forKey: .fsyncIntervalMs)
    }

    private static func decodeNullable(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int64?? {
        guard c.contains(key) else { return nil }
        if try c.decodeNil(forKey: key) { return .some(nil) }
        return .some(try c.decode(Int64.self, forKey: key))
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(segmentBytes, forKey: .segmentBytes)
        try c.encode(segmentMs, forKey: .segmentMs)
        try c.encode(retentionMs ?? nil, forKey: .retentionMs)
        try c.encode(retentionBytes ?? nil, forKey: .retentionBytes)
        try c.encode(compression, forKey: .compression)
        try c.encode(fsync, forKey: .fsync)
        try c.encode(fsyncIntervalMs, forKey: .fsyncIntervalMs)
    }

    /// `base` with the fields given here applied. Throws `invalid_field` for an unknown compression or fsync
    /// policy or a value the log rejects.
    func applied(to base: LogConfiguration) throws -> LogConfiguration {
        var result = base
        if let segmentBytes { result.segmentBytes = segmentBytes }
        if let segmentMs { result.segmentMilliseconds = segmentMs }
        if let retentionMs { result.retentionMilliseconds = retentionMs }
        if let retentionBytes { result.retentionBytes = retentionBytes }
        if let compression {
            guard let codec = CompressionCodec(rawValue: compression) else {
                throw HTTPRouteError.badRequest("compression must be \"none\" or \"lz4\"", code: "invalid_field")
            }
            result.compression = codec
        }
        let interval: Int64? = {
            if let fsyncIntervalMs { return fsyncIntervalMs }
            if case .interval(let ms) = base.fsync { return ms }
            return nil
        }()
        switch fsync {
        case nil:
            if let fsyncIntervalMs, case .interval = base.fsync { result.fsync = .interval(milliseconds: fsyncIntervalMs) }
        case "always": result.fsync = .always
        case "never": result.fsync = .never
        case "interval": result.fsync = .interval(milliseconds: interval ?? Self.defaultFsyncInterval)
        default:
            throw HTTPRouteError.badRequest("fsync must be \"always\", \"interval\" or \"never\"", code: "invalid_field")
        }
        do {
            try result.validate()
        } catch {
            throw HTTPRouteError.badRequest(WireErrors.message(for: error), code: "invalid_field")
        }
        return result
    }
}
