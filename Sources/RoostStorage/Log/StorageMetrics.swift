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
