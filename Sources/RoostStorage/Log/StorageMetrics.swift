import Metrics

/// The log's swift-metrics instruments for one topic (dimension `topic`). Names are listed in
/// Docs/storage.md, "Metrics".
struct StorageMetrics: Sendable {
    let appends: Counter
    let records: Counter
    let bytes: Counter
    let batches: Counter
    let batchRecords: Recorder
    let fsyncs: Counter
    /// How long segment fdatasyncs take (`roost_storage_fsync_seconds`, a histogram where the exporter has buckets
    /// for it: `StorageHistograms.fsyncSecondsBuckets`).
    let fsyncSeconds: Timer
    let rolls: Counter
    let segmentsDeleted: Counter
    let rejectedAppends: Counter
    let recoveryTruncatedBytes: Counter
    let recoveryRebuiltIndexes: Counter
    let recoveryScannedSegments: Counter
    /// Damaged stretches found (by recovery or by a read), each counted once per open.
    let damagedRanges: Counter
    /// Failed writes or syncs whose unconfirmed bytes were cut back so that appending could go on.
    let writeFailures: Counter

    init(topic: String) {
        let d = [("topic", topic)]
        appends = Counter(label: "roost_storage_appends_total", dimensions: d)
        records = Counter(label: "roost_storage_records_total", dimensions: d)
        bytes = Counter(label: "roost_storage_written_bytes_total", dimensions: d)
        batches = Counter(label: "roost_storage_batches_total", dimensions: d)
        batchRecords = Recorder(label: "roost_storage_batch_records", dimensions: d, aggregate: true)
        fsyncs = Counter(label: "roost_storage_fsyncs_total", dimensions: d)
        fsyncSeconds = Timer(label: StorageHistograms.fsyncSeconds, dimensions: d)
        rolls = Counter(label: "roost_storage_segment_rolls_total", dimensions: d)
        segmentsDeleted = Counter(label: "roost_storage_segments_deleted_total", dimensions: d)
        rejectedAppends = Counter(label: "roost_storage_rejected_appends_total", dimensions: d)
        recoveryTruncatedBytes = Counter(label: "roost_storage_recovery_truncated_bytes_total", dimensions: d)
        recoveryRebuiltIndexes = Counter(label: "roost_storage_recovery_rebuilt_indexes_total", dimensions: d)
        recoveryScannedSegments = Counter(label: "roost_storage_recovery_scanned_segments_total", dimensions: d)
        damagedRanges = Counter(label: "roost_storage_damaged_ranges_total", dimensions: d)
        writeFailures = Counter(label: "roost_storage_write_failures_total", dimensions: d)
    }
}

/// What a metrics exporter needs to know about the log's histograms (Docs/storage.md, "Metrics").
public enum StorageHistograms {
    /// The label of the fdatasync duration histogram (a swift-metrics `Timer`, dimension `topic`).
    public static let fsyncSeconds = "roost_storage_fsync_seconds"
    /// Bucket bounds for it: from 50 µs (a fast NVMe flush) to 1 s (a stalled disk), the range in which the latency
    /// of fsync `always` and the `inline_sync_max_us` budget are decided.
    public static let fsyncSecondsBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100), .seconds(1),
    ]
}
