import NIOCore

/// Walks the batches of a segment file from a position, reading it in chunks with `pread` and verifying
/// every batch's checksum. Used by reads, timestamp lookups and recovery.
struct SegmentScanner {
    /// Why a scan stopped.
    enum End: Equatable {
        /// The limit was reached exactly on a batch boundary.
        case limit
        /// The visitor asked to stop.
        case stopped
        /// Bytes at `position` are not a whole batch before the limit (a torn tail after a crash).
        case incomplete(position: Int)
        /// The batch at `position` fails its checksum or does not parse.
        case corrupt(position: Int, LogError)
    }

    let file: LogFile
    /// Bytes read at once; a larger batch is read whole.
    var chunkSize: Int

    /// Calls `visit(header, buffer, index, position)` for every verified batch in `start ..< limit`;
    /// `index` is where the batch starts in `buffer`, `position` where it starts in the file. The visitor
    /// returns `false` to stop.
    func scan(
        from start: Int, limit: Int,
        _ visit: (RecordBatchHeader, ByteBuffer, Int, Int) throws -> Bool
    ) throws -> End {
        var position = start
        while position < limit {
            let buffer = try file.read(at: position, count: min(chunkSize, limit - position))
            var index = buffer.readerIndex
            var progressed = false
            while true {
                let probe: RecordBatchReader.Probe
                do {
                    probe = try RecordBatchReader.probe(buffer, at: index)
                } catch let error as LogError {
                    return .corrupt(position: position, error)
                }
                switch probe {
                case .batch(let header):
                    progressed = true
                    guard try visit(header, buffer, index, position) else { return .stopped }
                    index += header.batchLength
                    position += header.batchLength
                    continue
                case .incomplete(let needed):
                    if position + needed > limit { return position == limit ? .limit : .incomplete(position: position) }
                    if !progressed {
                        // A batch larger than a chunk: read exactly it.
                        let whole = try file.read(at: position, count: needed)
                        guard whole.readableBytes == needed else { return .incomplete(position: position) }
                        let probe2: RecordBatchReader.Probe
                        do {
                            probe2 = try RecordBatchReader.probe(whole, at: whole.readerIndex)
                        } catch let error as LogError {
                            return .corrupt(position: position, error)
                        }
                        guard case .batch(let header) = probe2 else { return .incomplete(position: position) }
                        guard try visit(header, whole, whole.readerIndex, position) else { return .stopped }
                        position += header.batchLength
                    }
                }
                break
            }
        }
        return .limit
    }
}

extension SegmentScanner {
    /// The first whole, verified batch that starts after `position` (exclusive) and ends by `limit` with a base
    /// offset of at least `minOffset`: where intact data resumes after a damaged stretch. `nil` when none does
    /// (the damage runs to the limit: a torn tail, for the active segment after a crash).
    ///
    /// Candidates are found by the batch magic, so the cost is one read of the rest of the segment plus one
    /// verification per "RBAT" seen in it; it runs once per damaged stretch (recovery, or the first read
    /// reaching it), never on the healthy path.
    func nextIntactBatch(after position: Int, limit: Int, minOffset: Int64) throws -> (position: Int, header: RecordBatchHeader)? {
        let magic: [UInt8] = [0x52, 0x42, 0x41, 0x54]
        var start = position + 1
        while start + RecordBatchHeader.size <= limit {
            let chunk = try file.read(at: start, count: min(chunkSize, limit - start))
            let candidates: [Int] = chunk.withUnsafeReadableBytes { bytes in
                var found: [Int] = []
                var i = 0
                while i + magic.count <= bytes.count {
                    if bytes[i] == magic[0], bytes[i + 1] == magic[1], bytes[i + 2] == magic[2], bytes[i + 3] == magic[3] {
                        found.append(start + i)
                    }
                    i += 1
                }
                return found
            }
            for candidate in candidates {
                guard let header = try verifiedBatch(at: candidate, limit: limit), header.baseOffset >= minOffset else { continue }
                return (candidate, header)
            }
            // Overlap by the magic's length minus one so that a magic split across chunks is still seen.
            let advanced = chunk.readableBytes - (magic.count - 1)
            guard advanced > 0 else { break }
            start += advanced
        }
        return nil
    }

    /// Whether every byte in `start ..< limit` is zero: the preallocated tail of an active segment (see
    /// `LogConfiguration.preallocateBytes`), which ends its batches rather than damaging them. A batch never
    /// starts with a zero byte (its magic is "RBAT"), so zeros cannot hide one.
    func isZeroFilled(from start: Int, limit: Int) throws -> Bool {
        var position = start
        while position < limit {
            let chunk = try file.read(at: position, count: min(chunkSize, limit - position))
            guard chunk.readableBytes > 0 else { return false }
            let zero = chunk.withUnsafeReadableBytes { bytes in bytes.allSatisfy { $0 == 0 } }
            guard zero else { return false }
            position += chunk.readableBytes
        }
        return true
    }

    /// The header of the batch at `position` if a whole one that verifies lies there before `limit`.
    private func verifiedBatch(at position: Int, limit: Int) throws -> RecordBatchHeader? {
        let head = try file.read(at: position, count: RecordBatchHeader.size)
        guard head.readableBytes == RecordBatchHeader.size,
            let header = try? RecordBatchHeader.parse(head, at: head.readerIndex),
            position + header.batchLength <= limit
        else { return nil }
        let whole = try file.read(at: position, count: header.batchLength)
        guard case .batch(let verified)? = try? RecordBatchReader.probe(whole, at: whole.readerIndex) else { return nil }
        return verified
    }
}
