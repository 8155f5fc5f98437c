import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The contract between the log and everything above it (the broker, the server's admin API, the CLI's
// log tools). The disk log is the default implementation; another backend (an in-memory log for tests,
// a distributed engine later) plugs in by conforming to `TopicLog` and `LogStore`.

/// A string header carried with a record. Order is kept; names may repeat.
public struct RecordHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A record as a producer hands it to the log: the log assigns its offset and timestamp.
public struct Record: Sendable, Equatable {
    /// Optional key (bytes). `nil` and an empty key are different: the batch format keeps the difference.
    public var key: ByteBuffer?
    public var headers: [RecordHeader]
    public var value: ByteBuffer

    public init(key: ByteBuffer? = nil, headers: [RecordHeader] = [], value: ByteBuffer) {
        self.key = key
        self.headers = headers
        self.value = value
    }
}

/// A record read back from the log.
public struct StoredRecord: Sendable, Equatable {
    /// Dense per-topic offset, from 0.
    public var offset: Int64
    /// Broker timestamp in milliseconds since the Unix epoch; non-decreasing along offsets.
    public var timestamp: Int64
    public var key: ByteBuffer?
    public var headers: [RecordHeader]
    public var value: ByteBuffer

    public init(offset: Int64, timestamp: Int64, key: ByteBuffer? = nil, headers: [RecordHeader] = [], value: ByteBuffer) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.headers = headers
        self.value = value
    }
}

/// What an append assigned: the records got offsets `baseOffset ..< baseOffset + count`, all with `timestamp`.
public struct AppendResult: Sendable, Hashable {
    public var baseOffset: Int64
    public var count: Int
    /// Broker timestamp given to every record of the append, ms since the epoch.
    public var timestamp: Int64
    /// `true` when the records were fdatasync'ed before the append completed (fsync policy `always`).
    public var durable: Bool

    public init(baseOffset: Int64, count: Int, timestamp: Int64, durable: Bool) {
        self.baseOffset = baseOffset
        self.count = count
        self.timestamp = timestamp
        self.durable = durable
    }

    /// Offset of the last record of the append.
    public var lastOffset: Int64 { baseOffset + Int64(count) - 1 }
}

/// Records read from a log, and where the next read should start.
public struct ReadResult: Sendable, Equatable {
    /// Consecutive records in offset order (empty when the reader is at the end of the log).
    public var records: [StoredRecord]
    /// The offset to read from next: one past the last returned record, or the requested offset if none.
    public var nextOffset: Int64

    public init(records: [StoredRecord], nextOffset: Int64) {
        self.records = records
        self.nextOffset = nextOffset
    }
}

/// When the log calls fdatasync, and so what an acknowledged append survives (see Docs/storage.md).
public enum FsyncPolicy: Sendable, Hashable, Codable {
    /// fdatasync before an append completes: survives process crash and power loss. The default.
    case always
    /// fdatasync at most this many milliseconds after a write: survives a process crash; power loss
    /// may lose the last interval.
    case interval(milliseconds: Int64)
    /// Never fdatasync (the OS writes back): survives a process crash, not power loss.
    case never
}

/// Compression of the records part of each batch.
public enum CompressionCodec: String, Sendable, Hashable, Codable, CaseIterable {
    case none
    case lz4
}

/// Per-topic log settings. Stored with the topic and restored on open.
public struct LogConfiguration: Sendable, Hashable, Codable {
    /// Roll to a new segment once the active one reaches this size. Default 64 MiB: small enough that
    /// retention frees space in reasonable steps, large enough that a topic has few files.
    public var segmentBytes: Int
    /// Roll to a new segment once the active one's first record is this old. Default 7 days.
    public var segmentMilliseconds: Int64
    /// Delete whole segments whose newest record is older than this. `nil` keeps forever. Default 7 days.
    public var retentionMilliseconds: Int64?
    /// Delete the oldest whole segments while the topic is larger than this. `nil`: no size limit (default).
    public var retentionBytes: Int64?
    public var compression: CompressionCodec
    public var fsync: FsyncPolicy
    /// Bytes between two entries of the sparse offset and time indexes. Default 4 KiB.
    public var indexIntervalBytes: Int
    /// Largest record batch the writer builds, and so the largest single append (bytes, encoded size
    /// bound). Group commit packs concurrent appends into batches up to this size. Default 8 MiB: room
    /// for a 1 MiB payload with headroom, small enough to keep one write short.
    public var maxBatchBytes: Int
    /// Bound on appends accepted and not yet completed: queued for the writer, being written, or waiting
    /// for their sync (bytes, encoded size bound; each append counts at least 64).
    /// An append that would exceed it fails at once with `LogError` `overloaded` instead of waiting, so
    /// that memory stays bounded and callers on event loops never block. Default 64 MiB.
    public var maxPendingBytes: Int
    /// Under fsync `always`, how many fdatasyncs of the log may run at once (1 ... 16). While one runs, the
    /// writer keeps writing the next group and starts its sync, up to this many; groups are still confirmed
    /// and made readable in offset order, each only after a sync that started after its write returned.
    /// Disks with slow flushes that merge concurrent ones do several times more syncs per second this way;
    /// on a fast disk the extra syncs and thread hand-offs cost more than they give. 1 (the default) is one
    /// sync at a time on the writer's own thread. See Docs/storage.md, "Overlapping syncs".
    public var maxConcurrentSyncs: Int
    /// Under fsync `always`, the largest chunk of zeros the writer keeps written ahead of the end of the active
    /// segment (0 = off); chunks start at 64 KiB and grow with the segment up to this. An fdatasync after a write that grows the file also commits its new size through the file
    /// system's journal; one after a write over zeros already on disk is a data flush, which is faster. The
    /// zeros are not data: reads, sizes and recovery stop at the last batch, and sealing or closing a segment
    /// cuts them off. Only small writes fill ahead (at most 1/8 of this), so fast publishers' large groups do
    /// not write their bytes twice. Default 1 MiB. See Docs/storage.md, "Preallocation".
    public var preallocateBytes: Int
    /// Largest batch group commit makes by merging appends (bytes, encoded size bound). A reader fetches and
    /// checksums whole batches, so a merged batch of `maxBatchBytes` would make every small read of it (a
    /// subscriber's next 4,096 messages) read and verify megabytes; capped, one write still carries many
    /// batches (one `pwrite` and one sync per group, up to `maxBatchBytes` of them). A single append larger
    /// than this still gets a batch of its own, up to `maxBatchBytes`. Default 1 MiB.
    public var mergedBatchBytes: Int

    public init(
        segmentBytes: Int = 64 << 20,
        segmentMilliseconds: Int64 = 7 * 24 * 3_600_000,
        retentionMilliseconds: Int64? = 7 * 24 * 3_600_000,
        retentionBytes: Int64? = nil,
        compression: CompressionCodec = .none,
        fsync: FsyncPolicy = .always,
        indexIntervalBytes: Int = 4096,
        maxBatchBytes: Int = 8 << 20,
        maxPendingBytes: Int = 64 << 20,
        maxConcurrentSyncs: Int = 1,
        preallocateBytes: Int = 1 << 20,
        mergedBatchBytes: Int = 1 << 20
    ) {
        self.segmentBytes = segmentBytes
        self.segmentMilliseconds = segmentMilliseconds
        self.retentionMilliseconds = retentionMilliseconds
        self.retentionBytes = retentionBytes
        self.compression = compression
        self.fsync = fsync
        self.indexIntervalBytes = indexIntervalBytes
        self.maxBatchBytes = maxBatchBytes
        self.maxPendingBytes = maxPendingBytes
        self.maxConcurrentSyncs = maxConcurrentSyncs
        self.preallocateBytes = preallocateBytes
        self.mergedBatchBytes = mergedBatchBytes
    }

    private enum CodingKeys: String, CodingKey {
        case segmentBytes, segmentMilliseconds, retentionMilliseconds, retentionBytes, compression, fsync
        case indexIntervalBytes, maxBatchBytes, maxPendingBytes, maxConcurrentSyncs, preallocateBytes
        case mergedBatchBytes
    }

    /// Decodes a configuration; absent fields take their defaults, so stored configurations stay readable
    /// when fields are added.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LogConfiguration()
        self.init(
            segmentBytes: try c.decodeIfPresent(Int.self, forKey: .segmentBytes) ?? d.segmentBytes,
            segmentMilliseconds: try c.decodeIfPresent(Int64.self, forKey: .segmentMilliseconds) ?? d.segmentMilliseconds,
            retentionMilliseconds: c.contains(.retentionMilliseconds)
                ? try c.decodeIfPresent(Int64.self, forKey: .retentionMilliseconds) : d.retentionMilliseconds,
            retentionBytes: try c.decodeIfPresent(Int64.self, forKey: .retentionBytes),
            compression: try c.decodeIfPresent(CompressionCodec.self, forKey: .compression) ?? d.compression,
            fsync: try c.decodeIfPresent(FsyncPolicy.self, forKey: .fsync) ?? d.fsync,
            indexIntervalBytes: try c.decodeIfPresent(Int.self, forKey: .indexIntervalBytes) ?? d.indexIntervalBytes,
            maxBatchBytes: try c.decodeIfPresent(Int.self, forKey: .maxBatchBytes) ?? d.maxBatchBytes,
            maxPendingBytes: try c.decodeIfPresent(Int.self, forKey: .maxPendingBytes) ?? d.maxPendingBytes,
            maxConcurrentSyncs: try c.decodeIfPresent(Int.self, forKey: .maxConcurrentSyncs) ?? d.maxConcurrentSyncs,
            preallocateBytes: try c.decodeIfPresent(Int.self, forKey: .preallocateBytes) ?? d.preallocateBytes,
            mergedBatchBytes: try c.decodeIfPresent(Int.self, forKey: .mergedBatchBytes) ?? d.mergedBatchBytes)
    }

    /// Encodes every field (`nil` retention limits as JSON null, meaning "no limit").
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(segmentBytes, forKey: .segmentBytes)
        try c.encode(segmentMilliseconds, forKey: .segmentMilliseconds)
        try c.encode(retentionMilliseconds, forKey: .retentionMilliseconds)
        try c.encode(retentionBytes, forKey: .retentionBytes)
        try c.encode(compression, forKey: .compression)
        try c.encode(fsync, forKey: .fsync)
        try c.encode(indexIntervalBytes, forKey: .indexIntervalBytes)
        try c.encode(maxBatchBytes, forKey: .maxBatchBytes)
        try c.encode(maxPendingBytes, forKey: .maxPendingBytes)
        try c.encode(maxConcurrentSyncs, forKey: .maxConcurrentSyncs)
        try c.encode(preallocateBytes, forKey: .preallocateBytes)
        try c.encode(mergedBatchBytes, forKey: .mergedBatchBytes)
    }

    /// Throws `LogError` `invalidConfiguration` when a value is out of range (segment files address bytes
    /// with 32-bit positions, so segments stay below 2 GiB).
    public func validate() throws {
        func fail(_ m: String) -> LogError { LogError(code: .invalidConfiguration, message: m) }
        guard segmentBytes >= 1024 && segmentBytes <= Int(Int32.max) else { throw fail("segmentBytes must be in 1 KiB ... 2 GiB") }
        guard segmentMilliseconds > 0 else { throw fail("segmentMilliseconds must be positive") }
        if let r = retentionMilliseconds, r <= 0 { throw fail("retentionMilliseconds must be positive") }
        if let r = retentionBytes, r <= 0 { throw fail("retentionBytes must be positive") }
        if case .interval(let ms) = fsync, ms <= 0 { throw fail("fsync interval must be positive") }
        guard indexIntervalBytes >= 64 else { throw fail("indexIntervalBytes must be at least 64") }
        guard maxBatchBytes >= 1024 && maxBatchBytes <= (1 << 30) else { throw fail("maxBatchBytes must be in 1 KiB ... 1 GiB") }
        guard maxPendingBytes >= maxBatchBytes else { throw fail("maxPendingBytes must be at least maxBatchBytes") }
        guard (1...16).contains(maxConcurrentSyncs) else { throw fail("maxConcurrentSyncs must be in 1 ... 16") }
        guard (0...(64 << 20)).contains(preallocateBytes) else { throw fail("preallocateBytes must be in 0 ... 64 MiB") }
        guard mergedBatchBytes >= 1024 && mergedBatchBytes <= (1 << 30) else { throw fail("mergedBatchBytes must be in 1 KiB ... 1 GiB") }
    }
}

/// A source of wall-clock time in milliseconds since the epoch. Injected so tests can drive retention,
/// segment rolling, redelivery and timeouts with a manual clock instead of sleeping.
public protocol WallClock: Sendable {
    func nowMilliseconds() -> Int64
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// Permission for an append to be written by the thread that makes it, rather than by the log's writer thread
/// (`TopicLog.append(_:inline:completion:)`; Docs/storage.md, "Inline writes").
public struct InlineWrite: Sendable {
    /// Takes a block to run on the appending thread once that thread is done with what it is doing now (for an
    /// event loop: a task, which runs after the I/O events of the current turn) and returns `true`; or returns
    /// `false` without running it, and the log's writer thread does the work as usual.
    public typealias EndOfTurn = @Sendable (_ block: @escaping @Sendable () -> Void) -> Bool

    /// Under fsync `always`, the log hands it the write and fdatasync of the appends gathered until the block
    /// runs, so that the appends of one turn share one sync on the appending thread. `nil`: appends under
    /// `always` are not written inline.
    public var endOfTurn: EndOfTurn?
    /// Under fsync `always`, the appending thread syncs only while the log's fdatasyncs take at most this on
    /// average, so that a slow disk never stalls it for long. Zero: never.
    public var maxSync: Duration

    /// Permission to write inline; under fsync `always` only with `endOfTurn` and a positive `maxSync`.
    public init(endOfTurn: EndOfTurn? = nil, maxSync: Duration = .zero) {
        self.endOfTurn = endOfTurn
        self.maxSync = maxSync
    }
}

/// One topic's append-only log. All members are safe to call from any thread.
public protocol TopicLog: AnyObject, Sendable {
    /// The topic name.
    var name: String { get }
    /// Current settings.
    var configuration: LogConfiguration { get }
    /// The first offset still retained (records below it were deleted by retention).
    var startOffset: Int64 { get }
    /// The offset the next record will get. Records in `startOffset ..< endOffset` are readable; with
    /// fsync `always` a record becomes readable only once it is on disk, so no reader ever sees a record
    /// that a crash could take back.
    var endOffset: Int64 { get }
    /// Bytes on disk (segments and indexes).
    var sizeInBytes: Int64 { get }

    /// Appends `records` as one batch (with records of concurrent callers: group commit) and calls
    /// `completion` once they are written and, under fsync `always`, fdatasync'ed. `completion` runs on a
    /// storage thread: keep it short.
    func append(_ records: [Record], completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void)

    /// `append(_:completion:)` that, given `inline`, lets the calling thread write the batch itself when the log's
    /// writer is idle and appends come apart (Docs/storage.md, "Inline writes"): one thread hand-off less per
    /// append. Under fsync `interval` or `never` the write (a copy into the page cache) and `completion` run on
    /// the caller's thread before this returns. Under `always` (with one sync at a time) they run, together with
    /// every append made meanwhile, in the block the log hands to `inline.endOfTurn`, with one write and one
    /// fdatasync, if `inline` has an `endOfTurn` and the log's fdatasyncs average at most `inline.maxSync`. The
    /// caller must hold no lock that `completion` takes. Without `inline`, or when the writer is busy, it is
    /// `append(_:completion:)`.
    func append(_ records: [Record], inline: InlineWrite?,
                completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void)

    /// Reads consecutive records from `offset`, at most `maxRecords` and about `maxBytes` (at least one
    /// record is returned when one exists). Throws `LogError` `offsetOutOfRange` below `startOffset`;
    /// returns no records at or past `endOffset`. Blocking file I/O: call it off event loops.
    func read(from offset: Int64, maxRecords: Int, maxBytes: Int) throws -> ReadResult

    /// The first offset whose timestamp is `>= timestamp`, or `endOffset` if there is none.
    func offset(forTimestamp timestamp: Int64) throws -> Int64

    /// Calls `callback` once, as soon as `endOffset > offset` (at once if that is already true). Tail readers
    /// use it instead of polling the disk.
    func notifyWhenReadable(beyond offset: Int64, _ callback: @escaping @Sendable () -> Void)

    /// Changes settings (retention, segment size, fsync, compression for new batches) and stores them.
    func reconfigure(_ configuration: LogConfiguration) throws
}

extension TopicLog {
    /// Never writes inline: logs that cannot write on the caller's thread keep this.
    public func append(_ records: [Record], inline: InlineWrite?,
                       completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void) {
        append(records, completion: completion)
    }

    /// Async form of `append(_:completion:)`.
    public func append(_ records: [Record]) async throws -> AppendResult {
        try await withCheckedThrowingContinuation { continuation in
            self.append(records) { continuation.resume(with: $0) }
        }
    }
}

/// The set of topic logs under one data directory.
public protocol LogStore: AnyObject, Sendable {
    /// Names of all logs, sorted.
    func logNames() -> [String]
    /// The open log for `name`, or `nil` if none exists.
    func log(named name: String) -> (any TopicLog)?
    /// Creates (and stores the configuration of) a new log. Throws `LogError` `alreadyExists`.
    func createLog(named name: String, configuration: LogConfiguration) throws -> any TopicLog
    /// Deletes a log and its files.
    func deleteLog(named name: String) throws
    /// Deletes expired segments of every log (by age and size), as of `clock` now. Returns segments deleted.
    @discardableResult
    func enforceRetention() throws -> Int
    /// Flushes and fsyncs every log, writes the clean-shutdown markers and closes the files. Appends after
    /// `close()` fail with `LogError` `closed`.
    func close() throws
}
