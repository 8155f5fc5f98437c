import CoreMetrics
import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The topic logs under one data directory: `<directory>/<topic>/` per topic, plus the clean-shutdown
/// marker. Opening recovers every log (see `RecoveryReport` and Docs/storage.md, "Recovery").
///
/// Thread-safety: all members may be called from any thread; the map of logs is guarded by a lock that
/// is held across create and delete so that two of them on one name cannot interleave.
public final class DiskLogStore: LogStore {
    struct State {
        var logs: [String: DiskTopicLog] = [:]
        var closed = false
        var deletions = 0
    }

    /// The data directory.
    public let directory: String
    /// The configuration of logs created without one and of topic directories without `config.json`.
    public let defaultConfiguration: LogConfiguration
    /// What opening did: whether the last shutdown was clean, and per log what was scanned, rebuilt or
    /// truncated.
    public let recoveryReport: RecoveryReport
    private let clock: any WallClock
    private let logger: Logger
    private let state: NIOLockedValueBox<State>
    /// Held (flock) from open to close.
    private let lock: LogFile

    /// Opens (creating it if needed) the store in `directory` and recovers every topic log in it.
    /// Throws `LogError` (`io`, `corrupt` for an unreadable `config.json`, `invalidConfiguration`).
    public init(
        directory: String, defaultConfiguration: LogConfiguration = .init(), clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "roost.storage")
    ) throws {
        try defaultConfiguration.validate()
        try FileSystem.makeDirectories(directory)
        let lock = try LogFile(path: directory + "/" + LogFileNames.lockFile, create: true)
        do {
            try lock.lockExclusively()
        } catch let error as LogError {
            throw LogError(code: .io, message: "\(directory) is in use by another store: \(error.message)", errno: error.errno)
        }
        self.lock = lock
        self.directory = directory
        self.defaultConfiguration = defaultConfiguration
        self.clock = clock
        self.logger = logger
        let marker = directory + "/" + LogFileNames.cleanShutdownMarker
        let clean = FileSystem.exists(marker)
        var logs: [String: DiskTopicLog] = [:]
        var reports: [RecoveryReport.LogRecovery] = []
        for name in try FileSystem.list(directory) where name.hasPrefix(Self.deletingPrefix) {
            let path = directory + "/" + name
            if FileSystem.isDirectory(path) { try FileSystem.removeTree(path) } else { try FileSystem.remove(path) }
        }
        for name in try FileSystem.list(directory).sorted()
        where LogFileNames.isValidTopicName(name) && FileSystem.isDirectory(directory + "/" + name) {
            let topicDirectory = directory + "/" + name
            let configuration = try TopicConfigFile.read(directory: topicDirectory) ?? defaultConfiguration
            let (segments, report) = try LogLoader(directory: topicDirectory, configuration: configuration, clean: clean, logger: logger).load()
            let log = DiskTopicLog(name: name, directory: topicDirectory, configuration: configuration, segments: segments, clock: clock, logger: logger)
            log.metrics.recoveryScannedSegments.increment(by: report.segmentsScanned)
            log.metrics.recoveryRebuiltIndexes.increment(by: report.indexesRebuilt)
            log.metrics.recoveryTruncatedBytes.increment(by: report.bytesTruncated)
            log.metrics.damagedRanges.increment(by: report.damaged.count)
            if report.didRepair || !report.damaged.isEmpty {
                logger.warning("recovered log", metadata: [
                    "topic": "\(name)", "bytesTruncated": "\(report.bytesTruncated)",
                    "indexesRebuilt": "\(report.indexesRebuilt)", "strayFilesRemoved": "\(report.strayFilesRemoved)",
                    "preallocatedBytesTrimmed": "\(report.preallocatedBytesTrimmed)",
                    "damaged": "\(report.damaged.map(\.description))"])
            }
            logs[name] = log
            reports.append(report)
        }
        self.recoveryReport = RecoveryReport(cleanShutdown: clean, logs: reports)
        self.state = NIOLockedValueBox(State(logs: logs))
        if clean {
            try FileSystem.remove(marker)
            try FileSystem.syncDirectory(directory)
        }
        logger.info("opened log store", metadata: [
            "directory": "\(directory)", "logs": "\(logs.count)", "cleanShutdown": "\(clean)",
            "bytesTruncated": "\(recoveryReport.bytesTruncated)", "indexesRebuilt": "\(recoveryReport.indexesRebuilt)"])
    }

    public func logNames() -> [String] { state.withLockedValue { $0.logs.keys.sorted() } }

    public func log(named name: String) -> (any TopicLog)? { diskLog(named: name) }

    /// The concrete log for `name` (segment details for tools and tests), or `nil`.
    public func diskLog(named name: String) -> DiskTopicLog? { state.withLockedValue { $0.logs[name] } }

    public func createLog(named name: String, configuration: LogConfiguration) throws -> any TopicLog {
        guard LogFileNames.isValidTopicName(name) else {
            throw LogError(code: .invalidName, message: "'\(name)' is not a valid topic name")
        }
        try configuration.validate()
        return try state.withLockedValue { s -> DiskTopicLog in
            if s.closed { throw LogError(code: .closed, message: "log store is closed") }
            if s.logs[name] != nil { throw LogError(code: .alreadyExists, message: "log '\(name)' already exists") }
            let topicDirectory = directory + "/" + name
            // A directory left by an interrupted delete holds nothing that should come back.
            if FileSystem.exists(topicDirectory) { try FileSystem.removeTree(topicDirectory) }
            try FileSystem.makeDirectory(topicDirectory)
            try TopicConfigFile.write(configuration, directory: topicDirectory)
            let (segments, _) = try LogLoader(directory: topicDirectory, configuration: configuration, clean: true, logger: logger).load()
            try FileSystem.syncDirectory(directory)
            let log = DiskTopicLog(name: name, directory: topicDirectory, configuration: configuration, segments: segments, clock: clock, logger: logger)
            s.logs[name] = log
            return log
        }
    }

    public func deleteLog(named name: String) throws {
        // Under the lock the name is freed and the directory moved aside, so that a `createLog` of the same
        // name right after gets a fresh directory; waiting for the writer and removing the files happen
        // outside it, because append completions running on the writer may call into the store.
        let (log, doomed) = try state.withLockedValue { s -> (DiskTopicLog, String) in
            guard let log = s.logs.removeValue(forKey: name) else {
                throw LogError(code: .notFound, message: "no log named '\(name)'")
            }
            log.refuseAppends()
            s.deletions += 1
            let doomed = directory + "/" + Self.deletingPrefix + "\(s.deletions)-" + name
            try FileSystem.rename(log.directory, to: doomed)
            try FileSystem.syncDirectory(directory)
            return (log, doomed)
        }
        log.abandon()
        try FileSystem.removeTree(doomed)
    }

    /// Directories being deleted are renamed with this prefix (never a valid topic name); leftovers of
    /// a crash are removed on open.
    static let deletingPrefix = ".deleting-"

    @discardableResult
    public func enforceRetention() throws -> Int {
        let logs = state.withLockedValue { Array($0.logs.values) }
        let now = clock.nowMilliseconds()
        var deleted = 0
        for log in logs { deleted += try log.enforceRetention(now: now) }
        return deleted
    }

    public func close() throws {
        let logs = state.withLockedValue { s -> [DiskTopicLog] in
            defer { s.closed = true }
            return s.closed ? [] : Array(s.logs.values)
        }
        var firstError: (any Error)?
        for log in logs {
            do { try log.close() } catch {
                logger.error("closing log failed", metadata: ["topic": "\(log.name)", "error": "\(error)"])
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        // Only a fully flushed store may skip the recovery scan next time.
        let marker = directory + "/" + LogFileNames.cleanShutdownMarker
        try FileSystem.writeAtomically([], to: marker, directory: directory)
        lock.unlock()
    }
}
