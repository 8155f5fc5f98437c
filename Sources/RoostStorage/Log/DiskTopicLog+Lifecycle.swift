import CoreMetrics
import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore

extension DiskTopicLog {
    /// Writes what is queued, fsyncs, writes the active segment's indexes and closes the log. Later
    /// appends and reads fail with `LogError` `closed`; tail waiters are called so they notice.
    /// Must not be called from an append completion (it waits for the writer queue).
    func close() throws {
        let alreadyClosed = pending.withLockedValue { p -> Bool in
            defer { p.closed = true }
            return p.closed
        }
        if alreadyClosed { return }
        let result: Result<Void, any Error> = queue.sync {
            // Appends queued before `closed` was set are still written: they were accepted.
            while true {
                let items = takePending(finishingDrain: false)
                if items.isEmpty { break }
                process(items)
            }
            // Every accepted append completes before close returns; a failed sync's bytes are cut, so that
            // the clean-shutdown marker never vouches for them.
            waitForSyncs()
            return Result {
                try cutZeroTail()
                if pending.withLockedValue({ $0.failure }) == nil {
                    try writer.segment.writeIndexes(final: true)
                }
            }
        }
        state.withLockedValue { $0.closed = true }
        wakeWaiters()
        try result.get()
    }

    /// Stops accepting appends and keeps the writer from creating files (the log is being deleted).
    func refuseAppends() {
        pending.withLockedValue { p in
            p.closed = true
            p.abandoned = true
        }
    }

    /// Closes without writing anything more (the log is being deleted): queued appends fail.
    func abandon() {
        let items = pending.withLockedValue { p -> [PendingAppend] in
            p.closed = true
            p.abandoned = true
            defer { p.items = [] }
            return p.items
        }
        let error = LogError(code: .closed, message: "log '\(name)' was deleted")
        finish(items.map { ($0, WrittenGroup.unusedResult) }, error: error)
        // Groups already written complete (their syncs run on the open descriptors) before the log closes.
        queue.sync { waitForSyncs() }
        state.withLockedValue { $0.closed = true }
        wakeWaiters()
    }

    /// Deletes expired segments (never the active one) as of `now`: by age, every oldest segment whose
    /// newest record is older than `retentionMilliseconds`; by size, every oldest segment whose removal
    /// still leaves at least `retentionBytes`. Returns the number deleted.
    func enforceRetention(now: Int64) throws -> Int {
        let victims = state.withLockedValue { s -> [Segment] in
            guard !s.closed else { return [] }
            var victims: [Segment] = []
            if let age = s.configuration.retentionMilliseconds {
                while s.segments.count > 1, s.segments[0].snapshot.maxTimestamp < now - age {
                    victims.append(s.segments.removeFirst())
                }
            }
            if let limit = s.configuration.retentionBytes {
                var total = s.segments.reduce(Int64(0)) { $0 + $1.sizeOnDisk }
                while s.segments.count > 1, total - s.segments[0].sizeOnDisk >= limit {
                    total -= s.segments[0].sizeOnDisk
                    victims.append(s.segments.removeFirst())
                }
            }
            if !victims.isEmpty { s.startOffset = s.segments[0].baseOffset }
            return victims
        }
        guard !victims.isEmpty else { return 0 }
        for segment in victims { try segment.deleteFiles() }
        try FileSystem.syncDirectory(directory)
        metrics.segmentsDeleted.increment(by: victims.count)
        logger.info("retention deleted segments", metadata: [
            "count": "\(victims.count)", "startOffset": "\(startOffset)"])
        return victims.count
    }
}
