import Logging

/// The zero-filled tail of the active segment (`LogConfiguration.preallocateBytes`, Docs/storage.md,
/// "Preallocation").
///
/// An fdatasync of a write that grows a file must also commit the new size (and, for fresh blocks, their
/// allocation) through the file system's journal; one that only overwrites blocks already written is a data
/// flush. So under fsync `always` the writer keeps zeros written ahead of its position, a chunk at a time: the
/// sync after a chunk is written carries it (and its allocation) once, and the syncs of the next appends into
/// it are data-only. `fallocate` alone does not do it: its unwritten extents are converted on the first
/// write into each block, again through the journal.
///
/// The zeros are never data: readers, indexes and sizes use the published size (`Segment.State.size`),
/// recovery takes a zero tail for the end of the batches, and sealing or closing a segment cuts it off.
extension DiskTopicLog {
    /// Zeros written at once; a shared, immutable source for `pwrite`.
    private static let zeros = [UInt8](repeating: 0, count: 256 << 10)
    /// The first chunk of a segment: a quiet topic's segment holds at most this many zeros, so that thousands of
    /// topics do not take `preallocateBytes` of disk each.
    static let firstZeroChunk = 64 << 10

    /// Runs on `queue` after a write of `written` bytes: when the zeros ahead of the write position run low,
    /// writes the next chunk: as large as the segment's batches so far, from 64 KiB up to `preallocateBytes`.
    /// Only under fsync `always` (others do not sync each write) and only after small writes: a fast publisher's
    /// large groups would overwrite zeros as fast as they are written, paying for every byte twice.
    func zeroFillAhead(_ configuration: LogConfiguration, written: Int) {
        let w = writer
        let chunk = min(configuration.preallocateBytes, max(Self.firstZeroChunk, w.position))
        guard chunk > 0, configuration.fsync == .always, written <= configuration.preallocateBytes / 8,
            w.zeroedTo - w.position < chunk / 2
        else { return }
        let start = max(w.zeroedTo, w.position)
        let end = min(start + chunk, configuration.segmentBytes)
        guard end > start else { return }
        do {
            var at = start
            while at < end {
                let count = min(end - at, Self.zeros.count)
                try Self.zeros.withUnsafeBytes { try w.segment.file.write(UnsafeRawBufferPointer(rebasing: $0[0..<count]), at: at) }
                at += count
            }
            w.zeroedTo = end
        } catch {
            // Best effort: the log works without it. Zeros left past the end are cut at the next seal or close, or
            // taken for the end by recovery.
            logger.warning("cannot zero-fill the segment ahead of its writes", metadata: ["error": "\(error)"])
            try? w.segment.file.truncate(to: w.position)
            w.zeroedTo = w.position
        }
    }

    /// Runs on `queue` before the active segment is sealed or closed: cuts the zeros after its batches, so that a
    /// sealed segment (and a cleanly closed one) ends with its last batch.
    func cutZeroTail() throws {
        let w = writer
        guard w.zeroedTo > w.position else { return }
        try w.segment.file.truncate(to: w.position)
        w.zeroedTo = w.position
    }
}
