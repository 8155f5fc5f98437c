import Logging
import NIOCore

/// Opens the segments of one topic directory and brings them to a consistent state.
///
/// After a clean shutdown the index files are trusted (validated against the segment sizes only) and
/// only the active segment's tail past its last index entry is read. After an unclean one, the active
/// segment (the recovery point is its start: sealed segments were fsynced with their indexes when they
/// rolled) is scanned batch by batch and its indexes rebuilt. Sealed segments whose index files are
/// missing or stale are rebuilt by a scan.
///
/// A scan that meets bytes that do not verify looks for the next intact batch after them (by its magic,
/// checksum and an offset not below the expected one). If there is one, the stretch is damage in the middle
/// (a flipped bit, not a crash): it is recorded as a `DamagedRange` and everything after it is kept. If
/// there is none, it is a torn tail: the active segment is cut there; a sealed segment keeps its bytes and
/// the stretch is recorded as damaged up to the segment's end.
struct LogLoader {
    let directory: String
    let configuration: LogConfiguration
    let clean: Bool
    let logger: Logger

    /// The segments in offset order (never empty) and what was done.
    func load() throws -> ([Segment], RecoveryReport.LogRecovery) {
        let name = String(directory[directory.index(after: directory.lastIndex(of: "/") ?? directory.startIndex)...])
        var report = RecoveryReport.LogRecovery(name: name)
        let files = try FileSystem.list(directory)
        var bases: [Int64] = []
        for file in files {
            if file.hasSuffix(LogFileNames.temporarySuffix) {
                try FileSystem.remove(directory + "/" + file)
                report.strayFilesRemoved += 1
            } else if let base = LogFileNames.baseOffset(ofSegmentFile: file) {
                bases.append(base)
            }
        }
        let stems = Set(bases.map(LogFileNames.stem(baseOffset:)))
        for file in files where file.hasSuffix(LogFileNames.indexSuffix) || file.hasSuffix(LogFileNames.timeIndexSuffix) {
            if !stems.contains(String(file.prefix(while: { $0 != "." }))) {
                try FileSystem.remove(directory + "/" + file)
                report.strayFilesRemoved += 1
            }
        }
        bases.sort()
        if bases.isEmpty {
            let segment = try Segment(directory: directory, baseOffset: 0, indexIntervalBytes: configuration.indexIntervalBytes, create: true)
            try FileSystem.syncDirectory(directory)
            return ([segment], report)
        }
        var segments: [Segment] = []
        for (i, base) in bases.enumerated() {
            let segment = try Segment(directory: directory, baseOffset: base, indexIntervalBytes: configuration.indexIntervalBytes, create: false)
            let fileSize = try segment.file.size()
            if i == bases.count - 1 {
                try recoverActive(segment, fileSize: fileSize, report: &report)
            } else {
                try loadSealed(segment, fileSize: fileSize, nextBase: bases[i + 1], report: &report)
            }
            segments.append(segment)
        }
        return (segments, report)
    }

    private func loadIndexes(_ segment: Segment, fileSize: Int) -> (OffsetIndex, TimeIndex)? {
        guard FileSystem.exists(segment.indexPath), FileSystem.exists(segment.timeIndexPath),
            let offsets = try? FileSystem.readAll(segment.indexPath),
            let times = try? FileSystem.readAll(segment.timeIndexPath),
            let offsetIndex = OffsetIndex.parse(offsets, segmentSize: fileSize),
            let timeIndex = TimeIndex.parse(times)
        else { return nil }
        return (offsetIndex, timeIndex)
    }

    private func loadSealed(_ segment: Segment, fileSize: Int, nextBase: Int64, report: inout RecoveryReport.LogRecovery) throws {
        if let (offsetIndex, timeIndex) = loadIndexes(segment, fileSize: fileSize),
            fileSize == 0 || !timeIndex.entries.isEmpty,
            Int64(timeIndex.entries.last?.relativeOffset ?? 0) < max(1, nextBase - segment.baseOffset)
        {
            var state = Segment.State(nextOffset: nextBase)
            state.size = fileSize
            state.offsetIndex = offsetIndex
            state.timeIndex = timeIndex
            state.firstTimestamp = timeIndex.entries.first?.timestamp
            state.maxTimestamp = timeIndex.entries.last?.timestamp ?? Int64.min
            segment.restore(state)
            return
        }
        var state = Segment.State(nextOffset: segment.baseOffset)
        report.segmentsScanned += 1
        let end = try scan(segment, into: &state, fileSize: fileSize, report: &report)
        if end < fileSize, state.nextOffset == nextBase,
            try SegmentScanner(file: segment.file, chunkSize: 1 << 20).isZeroFilled(from: end, limit: fileSize)
        {
            // Every offset is here and only zeros follow: a preallocated tail that was not cut (sealing cuts it).
            try segment.file.truncate(to: end)
            report.preallocatedBytesTrimmed += fileSize - end
            state.size = end
            segment.restore(state)
            try segment.writeIndexes(final: true)
            report.indexesRebuilt += 2
            return
        }
        if end != fileSize {
            record(DamagedRange(file: segment.logPath, position: end, length: fileSize - end,
                offsets: state.nextOffset..<max(state.nextOffset, nextBase)), in: &state, report: &report)
        }
        state.size = fileSize
        state.nextOffset = nextBase
        segment.restore(state)
        try segment.writeIndexes(final: true)
        report.indexesRebuilt += 2
    }

    private func recoverActive(_ segment: Segment, fileSize: Int, report: inout RecoveryReport.LogRecovery) throws {
        var state = Segment.State(nextOffset: segment.baseOffset)
        if clean, let (offsetIndex, timeIndex) = loadIndexes(segment, fileSize: fileSize) {
            // Trust the indexes: read only from the last indexed batch to the end.
            if let last = offsetIndex.entries.last {
                state.size = Int(last.position)
                state.nextOffset = segment.baseOffset + Int64(last.relativeOffset)
                state.offsetIndex = offsetIndex
                state.timeIndex = timeIndex
                state.maxTimestamp = timeIndex.entries.last?.timestamp ?? Int64.min
                let first = try segment.file.read(at: 0, count: RecordBatchHeader.size)
                state.firstTimestamp = (try? RecordBatchHeader.parse(first, at: first.readerIndex))?.baseTimestamp
            }
        } else {
            report.segmentsScanned += 1
            if fileSize > 0 { report.indexesRebuilt += 2 }
        }
        var end = try scan(segment, into: &state, fileSize: fileSize, report: &report)
        if end < fileSize, try SegmentScanner(file: segment.file, chunkSize: 1 << 20).isZeroFilled(from: end, limit: fileSize) {
            // The zeros written ahead of the writer (a crash, or a close that could not cut them): the end of the
            // batches, neither torn nor damaged.
            logger.debug("cutting the zero-filled tail", metadata: ["segment": "\(segment.logPath)", "bytes": "\(fileSize - end)"])
            try segment.file.truncate(to: end)
            try segment.file.sync()
            report.preallocatedBytesTrimmed += fileSize - end
            segment.restore(state)
            return
        }
        if clean, end < fileSize {
            // After a clean shutdown nothing is torn: every byte was written and synced. A bad last batch is
            // damage, kept aside like damage in the middle, as far as its intact framing says where it ends.
            end = try keepDamagedTail(segment, from: end, fileSize: fileSize, state: &state, report: &report)
        }
        if end < fileSize {
            logger.warning("truncating a torn tail", metadata: [
                "segment": "\(segment.logPath)", "validBytes": "\(end)", "truncatedBytes": "\(fileSize - end)"])
            try segment.file.truncate(to: end)
            try segment.file.sync()
            report.bytesTruncated += fileSize - end
        }
        segment.restore(state)
    }

    /// Adds every valid batch from `state.size` on to `state`, stepping over damaged stretches that intact
    /// batches follow (recorded in `state.damaged` and the report); returns where the intact batches end: the
    /// file size, or the start of a stretch that nothing intact follows (a torn tail).
    private func scan(_ segment: Segment, into state: inout Segment.State, fileSize: Int, report: inout RecoveryReport.LogRecovery) throws -> Int {
        let scanner = SegmentScanner(file: segment.file, chunkSize: 1 << 20)
        var s = state
        let interval = configuration.indexIntervalBytes
        while true {
            _ = try scanner.scan(from: s.size, limit: fileSize) { header, _, _, position in
                guard header.baseOffset == s.nextOffset else { return false }
                Segment.add(Segment.BatchLocation(header: header, position: position), to: &s, baseOffset: segment.baseOffset, interval: interval)
                return true
            }
            guard s.size < fileSize,
                let next = try scanner.nextIntactBatch(after: s.size, limit: fileSize, minOffset: s.nextOffset)
            else { break }
            record(DamagedRange(file: segment.logPath, position: s.size, length: next.position - s.size,
                offsets: s.nextOffset..<next.header.baseOffset), in: &s, report: &report)
            s.size = next.position
            s.nextOffset = next.header.baseOffset
            // Index the first batch after the damage, so that reads of what follows start past it.
            s.bytesSinceIndexEntry = interval
        }
        state = s
        return s.size
    }

    /// Steps over whole batches at the end of the active segment whose headers still frame them (magic, length,
    /// the expected base offset) but whose contents fail to verify; returns where the framed ones end.
    private func keepDamagedTail(
        _ segment: Segment, from start: Int, fileSize: Int, state: inout Segment.State, report: inout RecoveryReport.LogRecovery
    ) throws -> Int {
        var end = start
        var next = state.nextOffset
        while end + RecordBatchHeader.size <= fileSize {
            let bytes = try segment.file.read(at: end, count: RecordBatchHeader.size)
            guard let header = try? RecordBatchHeader.parse(bytes, at: bytes.readerIndex), header.baseOffset == next,
                end + header.batchLength <= fileSize
            else { break }
            end += header.batchLength
            next = header.nextOffset
        }
        guard end > start else { return start }
        record(DamagedRange(file: segment.logPath, position: start, length: end - start, offsets: state.nextOffset..<next),
            in: &state, report: &report)
        state.size = end
        state.nextOffset = next
        return end
    }

    private func record(_ range: DamagedRange, in state: inout Segment.State, report: inout RecoveryReport.LogRecovery) {
        state.damaged.append(range)
        report.damaged.append(range)
        logger.error("damaged batch kept aside; the intact batches around it are served", metadata: [
            "segment": "\(range.file)", "position": "\(range.position)", "bytes": "\(range.length)",
            "offsets": "\(range.offsets.lowerBound)..<\(range.offsets.upperBound)"])
    }
}
