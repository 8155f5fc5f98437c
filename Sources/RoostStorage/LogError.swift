/// An error from the log. A struct over a private enum so that new cases can be added without breaking
/// users; match on `code`.
public struct LogError: Error, Hashable, CustomStringConvertible {
    /// Stable identity of a log error, for matching and for mapping to wire error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case offsetOutOfRange = "offset_out_of_range"
            case closed
            case alreadyExists = "already_exists"
            case notFound = "not_found"
            case corrupt
            case io
            case recordTooLarge = "record_too_large"
            case invalidConfiguration = "invalid_configuration"
            case overloaded
            case invalidName = "invalid_name"
        }
        fileprivate let base: Base

        /// A read asked for an offset below the first retained one (deleted by retention).
        public static let offsetOutOfRange = Code(base: .offsetOutOfRange)
        /// The log or store was closed.
        public static let closed = Code(base: .closed)
        /// A log of that name exists already.
        public static let alreadyExists = Code(base: .alreadyExists)
        /// No log of that name.
        public static let notFound = Code(base: .notFound)
        /// Bytes on disk failed their checksum or do not parse.
        public static let corrupt = Code(base: .corrupt)
        /// A system call failed (ENOSPC, EIO, ...); nothing acknowledged before it is affected.
        public static let io = Code(base: .io)
        /// A batch is larger than the log accepts.
        public static let recordTooLarge = Code(base: .recordTooLarge)
        /// A configuration value is out of range.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// Too many bytes of appends are queued for the writer (`LogConfiguration.maxPendingBytes`); retry later.
        public static let overloaded = Code(base: .overloaded)
        /// A log name is not a valid topic name.
        public static let invalidName = Code(base: .invalidName)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// A human description with the details (path, offsets, errno).
    public let message: String
    /// For `offsetOutOfRange`: the first offset still available.
    public let earliestOffset: Int64?
    /// For `io`: the errno of the failed call.
    public let errno: Int32?
    /// For `corrupt` from a read: the offsets held by the damaged stretch the read reached. Reading resumes
    /// at `upperBound` (intact data after the damage); the offsets inside are gone.
    public let damagedOffsets: Range<Int64>?

    public init(code: Code, message: String, earliestOffset: Int64? = nil, errno: Int32? = nil, damagedOffsets: Range<Int64>? = nil) {
        self.code = code
        self.message = message
        self.earliestOffset = earliestOffset
        self.errno = errno
        self.damagedOffsets = damagedOffsets
    }

    public var description: String { "\(code): \(message)" }
}
