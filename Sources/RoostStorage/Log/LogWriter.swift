import NIOCore

/// The writer's state, confined to the log's serial writer queue.
///
/// `@unchecked Sendable` is safe because every access happens on `DiskTopicLog.queue` (a serial
/// DispatchQueue): `drain`, `roll`, the interval fsync timer and `close` all run there, and nothing
/// else touches these fields.
final class LogWriter: @unchecked Sendable {
    var segment: Segment
    /// Where the next batch goes in the active segment file.
    var position: Int
    /// The offset the next record gets.
    var nextOffset: Int64
    /// Timestamps handed out are never below this (non-decreasing along offsets).
    var lastTimestamp: Int64
    var encoder = RecordBatchWriter()
    /// Reused output buffer holding the batches of one write.
    var out = ByteBufferAllocator().buffer(capacity: 1 << 20)
    /// Batches in `out`, to publish after the write.
    var batches: [Segment.BatchLocation] = []
    /// Completions owed once `out` is written (and synced under `always`).
    var completions: [(PendingAppend, AppendResult)] = []
    /// An interval fsync is scheduled.
    var syncScheduled = false
    /// Bytes written to the active segment since its last fsync.
    var unsynced = false

    init(segment: Segment, position: Int, nextOffset: Int64, lastTimestamp: Int64) {
        self.segment = segment
        self.position = position
        self.nextOffset = nextOffset
        self.lastTimestamp = lastTimestamp
    }
}
