import NIOCore

/// The writer's state, confined to the log's serial writer queue.
///
/// `@unchecked Sendable` is safe because every access happens on `DiskTopicLog.queue` (a serial
/// DispatchQueue): `drain`, `roll`, the interval fsync timer, recovery after a failed sync and `close` all
/// run there, an inline write enters it with `queue.sync` (the block runs on the appending thread, still
/// exclusive with every other block of the queue), and nothing else touches these fields (sync threads get
/// what they need in `WrittenGroup`s, the interval fdatasync its `LogFile`).
final class LogWriter: @unchecked Sendable {
    var segment: Segment
    /// Where the next batch goes in the active segment file.
    var position: Int
    /// The file holds zeros written ahead from `position` up to here (see DiskTopicLog+Preallocate.swift).
    var zeroedTo: Int
    /// The offset the next record gets.
    var nextOffset: Int64
    /// One past the last record written to the file (under overlapping syncs, possibly not yet durable):
    /// where `nextOffset` goes back to when a write fails.
    var writtenOffset: Int64
    /// Timestamps handed out are never below this (non-decreasing along offsets).
    var lastTimestamp: Int64
    /// The batches of the next write, and their encoder.
    var buffer = WriteBuffer()
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
        self.zeroedTo = position
        self.nextOffset = nextOffset
        self.writtenOffset = nextOffset
        self.lastTimestamp = lastTimestamp
    }
}

/// The bytes of the next write and the encoder that fills them, in one struct so that encoding a batch is
/// one access to the writer's storage rather than two per record (class properties are checked for
/// exclusive access at run time; a struct's own members are not).
struct WriteBuffer {
    private var encoder = RecordBatchWriter()
    /// Batches encoded and not yet written.
    private(set) var out = ByteBufferAllocator().buffer(capacity: 1 << 20)

    /// Encodes the records of `appends` as one batch; returns its header and where it starts in `out`.
    mutating func encodeBatch(
        _ appends: ArraySlice<PendingAppend>, codec: CompressionCodec, baseOffset: Int64, timestamp: Int64
    ) throws -> (RecordBatchHeader, Int) {
        let start = out.readableBytes
        encoder.begin(into: &out, codec: codec, baseOffset: baseOffset, timestamp: timestamp)
        for append in appends {
            for record in append.records { encoder.add(record, timestamp: timestamp, into: &out) }
        }
        return (try encoder.finish(into: &out), start)
    }

    /// Forgets the encoded batches (after a write, or when it failed), keeping the capacity.
    mutating func clear() { out.clear() }
}
