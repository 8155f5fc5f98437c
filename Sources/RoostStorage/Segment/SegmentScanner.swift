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
