import NIOCore

/// One queued `append` call.
struct PendingAppend {
    var records: [Record]
    /// Upper bound of the encoded size.
    var bytes: Int
    var completion: @Sendable (Result<AppendResult, any Error>) -> Void
}

/// The bounded queue between appenders and a log's writer (guarded by the log's `pending` lock).
struct PendingAppends {
    /// Each append counts at least this many bytes against the bound, so that empty or tiny appends
    /// cannot grow the queue without limit.
    static let minimumCharge = 64

    var items: [PendingAppend] = []
    var bytes = 0
    /// Whether a drain is scheduled on (or running on) the writer queue.
    var draining = false
    var closed = false
    /// The log is being deleted: the writer must not write or create files any more.
    var abandoned = false
    /// Set after a failed write or fsync: the log refuses appends until reopened (a failed fsync may have
    /// dropped dirty pages, so retrying it cannot be trusted).
    var failure: LogError?
    /// When the last append was queued (`DispatchTime` uptime, ns).
    var lastAppendAt: UInt64 = 0
    /// Moving average of the time between appends, ns, each gap counted up to 1 ms (see
    /// `DiskTopicLog.inlineWriteGapNanoseconds`): inline writes are for appends that come apart.
    var averageGap: UInt64 = 1_000_000
    /// Moving average of the writer's fdatasyncs under fsync `always`, ns (the first sets it): the appending
    /// thread syncs only while it is at most `InlineWrite.maxSync`. Zero until the first sync.
    private(set) var averageSync: UInt64 = 0
    /// Moving average of the appends one synced write of the writer carries under fsync `always`, in 1/16ths (see
    /// `DiskTopicLog.inlineSyncGroupLimit`).
    private(set) var averageGroup: UInt64 = 16

    /// Counts a write of `appends` appends whose fdatasync took `syncNanoseconds` into the two averages.
    mutating func recordWrite(appends: Int, syncNanoseconds: UInt64) {
        averageGroup = averageGroup - averageGroup / 8 + UInt64(min(appends, 1 << 20)) * 2
        averageSync = averageSync == 0 ? max(syncNanoseconds, 1) : averageSync - averageSync / 8 + syncNanoseconds / 8
    }
}

extension Duration {
    /// The duration in whole nanoseconds, 0 if negative, saturating.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000)).partialValue
    }
}
