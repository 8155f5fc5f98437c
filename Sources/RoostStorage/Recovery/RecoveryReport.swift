/// What opening a store did to bring its logs to a consistent state.
public struct RecoveryReport: Sendable, Hashable {
    /// What opening one topic log did.
    public struct LogRecovery: Sendable, Hashable {
        /// The topic.
        public var name: String
        /// Segments whose batches were read and verified (the active one after an unclean shutdown,
        /// plus any whose indexes had to be rebuilt).
        public var segmentsScanned: Int = 0
        /// Index files (`.index` or `.timeindex`) found missing or stale and rebuilt.
        public var indexesRebuilt: Int = 0
        /// Bytes cut from the end of the active segment (a torn or corrupt tail).
        public var bytesTruncated: Int = 0
        /// Stray temporary or orphaned index files removed.
        public var strayFilesRemoved: Int = 0
        /// Zeros cut from the end of the active segment: the preallocated tail a crash left (not data, not
        /// damage; see `LogConfiguration.preallocateBytes`).
        public var preallocatedBytesTrimmed: Int = 0
        /// Stretches that do not verify, kept in place and stepped over (their offsets read as `corrupt`).
        public var damaged: [DamagedRange] = []

        public init(name: String) { self.name = name }

        /// Whether recovery changed or rebuilt anything.
        public var didRepair: Bool { indexesRebuilt > 0 || bytesTruncated > 0 || strayFilesRemoved > 0 }
    }

    /// Whether the store was closed cleanly last time (the marker was present), so indexes were trusted.
    public var cleanShutdown: Bool
    /// One entry per log, sorted by name.
    public var logs: [LogRecovery]

    public init(cleanShutdown: Bool, logs: [LogRecovery]) {
        self.cleanShutdown = cleanShutdown
        self.logs = logs
    }

    /// Total bytes truncated across logs.
    public var bytesTruncated: Int { logs.reduce(0) { $0 + $1.bytesTruncated } }
    /// Every damaged stretch found across logs.
    public var damaged: [DamagedRange] { logs.flatMap(\.damaged) }
    /// Total index files rebuilt across logs.
    public var indexesRebuilt: Int { logs.reduce(0) { $0 + $1.indexesRebuilt } }
}
