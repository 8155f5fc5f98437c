import NIOCore

/// Offline, read-only access to one segment file for tools (`roost log dump|verify`): walks its record
/// batches verifying every checksum, decodes their records, and checks the segment's offset and time
/// indexes against the batches. It never modifies a file (unlike recovery, which truncates torn tails).
public struct SegmentInspector: Sendable {
    /// One verified batch of the segment.
    public struct Batch: Sendable {
        /// The batch header.
        public var header: RecordBatchHeader
        /// Byte position of the batch in the `.log` file.
        public var position: Int
        /// The records, when decoding was asked for.
        public var records: [StoredRecord]
    }

    /// Why a walk of the batches stopped before the end of the file, or a consistency problem.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The file the problem is in.
        public var file: String
        /// Byte position in that file.
        public var position: Int
        /// What is wrong.
        public var message: String

        /// "file at byte N: message".
        public var description: String { "\(file) at byte \(position): \(message)" }
    }

    /// The `.log` file path.
    public let path: String
    /// The base offset from the file name.
    public let baseOffset: Int64
    /// File size in bytes.
    public let size: Int
    private let file: LogFile

    /// Opens a `.log` segment file named by its 20-digit base offset.
    public init(path: String) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let base = LogFileNames.baseOffset(ofSegmentFile: name) else {
            throw LogError.corrupt("not a segment file name: \(name)")
        }
        self.path = path
        self.baseOffset = base
        self.file = try LogFile(path: path, create: false)
        self.size = try file.size()
    }

    /// The `.log` segment files of a topic directory, in offset order.
    public static func segmentFiles(inDirectory directory: String) throws -> [String] {
        try FileSystem.list(directory)
            .filter { LogFileNames.baseOffset(ofSegmentFile: $0) != nil }
            .sorted()
            .map { directory.hasSuffix("/") ? directory + $0 : directory + "/" + $0 }
    }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool { FileSystem.isDirectory(path) }

    /// Calls `visit` for every batch in file order, verifying checksums, record encoding and offset
    /// continuity. Returns the first problem (the position of the first bad byte range), or nil when the
    /// whole file is valid; see ``walkPastDamage(decodeRecords:progress:_:)`` for all of them.
    public func walk(
        decodeRecords: Bool, progress: (Int) -> Void = { _ in }, _ visit: (Batch) throws -> Void
    ) throws -> Problem? {
        try walkPastDamage(decodeRecords: decodeRecords, progress: progress, visit).first
    }

    /// Like ``walk(decodeRecords:progress:_:)``, but steps over a damaged stretch when an intact batch follows
    /// it (as the broker does), so that every batch after it is visited too. Returns every problem in file
    /// order; a damaged stretch in the middle is reported with its byte range and the offsets it held.
    public func walkPastDamage(
        decodeRecords: Bool, progress: (Int) -> Void = { _ in }, _ visit: (Batch) throws -> Void
    ) throws -> [Problem] {
        var expectedOffset = baseOffset
        var problems: [Problem] = []
        var position = 0
        let scanner = SegmentScanner(file: file, chunkSize: 1 << 20)
        while true {
            var problem: Problem?
            let end = try scanner.scan(from: position, limit: size) { header, buffer, index, at in
                guard header.baseOffset == expectedOffset else {
                    problem = Problem(file: path, position: at,
                                      message: "batch base offset \(header.baseOffset), expected \(expectedOffset)")
                    return false
                }
                var records: [StoredRecord] = []
                do {
                    let part = try RecordBatchReader.recordsPart(of: header, in: buffer, at: index)
                    var budget = Int.max
                    try RecordBatchReader.decode(
                        header, records: part, from: header.baseOffset, until: header.nextOffset,
                        maxRecords: Int.max, budget: &budget, into: &records)
                } catch {
                    problem = Problem(file: path, position: at, message: "\(error)")
                    return false
                }
                expectedOffset = header.nextOffset
                position = at + header.batchLength
                try visit(Batch(header: header, position: at, records: decodeRecords ? records : []))
                progress(position)
                return true
            }
            switch end {
            case .limit, .stopped: break
            case .incomplete(let at): problem = Problem(file: path, position: at, message: "incomplete batch (torn tail)")
            case .corrupt(let at, let error): problem = Problem(file: path, position: at, message: "\(error)")
            }
            guard var found = problem else { return problems }
            // Zeros after the last batch are the active segment's preallocated tail, not damage.
            if try scanner.isZeroFilled(from: found.position, limit: size) { return problems }
            guard let resume = try scanner.nextIntactBatch(after: found.position, limit: size, minOffset: expectedOffset) else {
                problems.append(found)
                return problems
            }
            found.message += "; damaged bytes \(found.position)..<\(resume.position) (offsets \(expectedOffset)..<\(resume.header.baseOffset)), intact batches follow"
            problems.append(found)
            position = resume.position
            expectedOffset = resume.header.baseOffset
        }
    }

    /// Checks the `.index` and `.timeindex` files next to the segment (when present) against `batches`
    /// (from ``walk(decodeRecords:progress:_:)``): every offset-index entry must point at the start of the
    /// batch with that offset; every time-index entry must name an offset inside the segment.
    /// `nextOffset` is one past the segment's last record. Missing index files are not problems (the
    /// broker rebuilds them).
    public func verifyIndexes(batches: [(baseOffset: Int64, position: Int)], nextOffset: Int64) throws -> [Problem] {
        var problems: [Problem] = []
        let stem = String(path.dropLast(LogFileNames.logSuffix.count))
        let indexPath = stem + LogFileNames.indexSuffix
        let byPosition = Dictionary(batches.map { ($0.position, $0.baseOffset) }, uniquingKeysWith: { a, _ in a })
        if FileSystem.exists(indexPath) {
            let bytes = try FileSystem.readAll(indexPath)
            if let index = OffsetIndex.parse(bytes, segmentSize: max(size, 1)) {
                for (i, entry) in index.entries.enumerated() {
                    let offset = baseOffset + Int64(entry.relativeOffset)
                    if byPosition[Int(entry.position)] != offset {
                        problems.append(Problem(
                            file: indexPath, position: i * OffsetIndex.entrySize,
                            message: "entry for offset \(offset) points at byte \(entry.position), which is not that batch"))
                    }
                }
            } else {
                problems.append(Problem(file: indexPath, position: 0, message: "offset index is damaged or stale"))
            }
        }
        let timePath = stem + LogFileNames.timeIndexSuffix
        if FileSystem.exists(timePath) {
            let bytes = try FileSystem.readAll(timePath)
            if let index = TimeIndex.parse(bytes) {
                for (i, entry) in index.entries.enumerated() {
                    let offset = baseOffset + Int64(entry.relativeOffset)
                    if offset >= nextOffset {
                        problems.append(Problem(
                            file: timePath, position: i * TimeIndex.entrySize,
                            message: "entry for offset \(offset) is past the segment's last offset \(nextOffset - 1)"))
                    }
                }
            } else {
                problems.append(Problem(file: timePath, position: 0, message: "time index is damaged"))
            }
        }
        return problems
    }
}
