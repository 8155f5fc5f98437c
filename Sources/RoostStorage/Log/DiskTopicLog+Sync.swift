import CoreMetrics
import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Overlapping fdatasyncs under fsync `always` (see `SyncPipeline` and Docs/storage.md, "Overlapping syncs").
///
/// The writer queue writes a group and hands it to the pipeline; syncs run on `syncQueues`; whichever sync
/// thread finds groups ready becomes the one completer (publishes them to readers, then completes their
/// appends, strictly in offset order). The writer waits for the pipeline to drain only at a segment roll, at
/// close, and when a failed sync needs the file cut back.
extension DiskTopicLog {
    /// Whether appends under `configuration` go through overlapping syncs.
    static func overlapsSyncs(_ configuration: LogConfiguration) -> Bool {
        configuration.fsync == .always && configuration.maxConcurrentSyncs > 1
    }

    /// Runs on `queue`: hands a group that was written to `file` (or failed: `file` nil) to the pipeline.
    func enqueueWritten(_ group: WrittenGroup, file: LogFile?, limit: Int) {
        let actions = syncs.withLockedValue { $0.enqueue(group, file: file, limit: limit) }
        if let start = actions.start { startSync(start.id, file: start.file, limit: limit) }
        if actions.complete { runCompleter(limit: limit) }
    }

    private func startSync(_ id: UInt64, file: LogFile, limit: Int) {
        syncQueues[Int(id % UInt64(syncQueues.count))].async {
            let result: Result<Void, LogError>
            do {
                _ = try self.timedSync(file)
                result = .success(())
            } catch {
                let failure = (error as? LogError) ?? LogError(code: .io, message: "\(error)")
                self.metrics.writeFailures.increment()
                self.logger.error("fdatasync failed; appends not yet confirmed fail and are cut from the file",
                    metadata: ["error": "\(failure)"])
                result = .failure(failure)
            }
            let actions = self.syncs.withLockedValue { $0.finished(id, result) }
            if actions.complete { self.runCompleter(limit: limit) }
        }
    }

    /// Completes ready groups until none is left, then gives up the completer role.
    private func runCompleter(limit: Int) {
        while true {
            let ready = syncs.withLockedValue { $0.takeReady(limit: limit) }
            if let start = ready.start { startSync(start.id, file: start.file, limit: limit) }
            if ready.groups.isEmpty {
                if ready.requestCut { queue.async { self.cutAfterFailedSync() } }
                ready.idleWaiter?.signal()
                return
            }
            complete(ready.groups)
        }
    }

    /// Publishes the durable groups (readers see them from now on), then completes every append in order.
    private func complete(_ groups: [(WrittenGroup, LogError?)]) {
        var end: Int64?
        for (group, error) in groups where error == nil {
            group.segment.published(group.batches)
            end = group.endOffset
        }
        if let end { state.withLockedValue { $0.endOffset = end } }
        for (group, error) in groups { finish(group.completions, error: error) }
        if end != nil { wakeWaiters() }
    }

    /// Runs on `queue`: returns once no group waits for a sync, no sync runs and no completer runs; cuts the
    /// file back on the way when a sync failed.
    func waitForSyncs() {
        while true {
            switch syncs.withLockedValue({ $0.waitForIdle() }) {
            case .idle: return
            case .cut: cutAfterFailedSync()
            case .wait(let waiter): waiter.wait()
            }
        }
    }

    /// Runs on `queue`, between two `process` calls, once the syncs outstanding after a failed one have all
    /// returned: cuts the file back to the last confirmed byte, then fails the groups not confirmed (so their
    /// appends learn of the failure only once their bytes are gone). The failed bytes are never synced again
    /// (see "fsyncgate" in `commit`); the next append is written afresh at the next dense offset. A failed
    /// cut fences the log until it is reopened.
    func cutAfterFailedSync() {
        guard case .cut = syncs.withLockedValue({ $0.waitForIdle() }), let failure = syncs.withLockedValue({ $0.failure })
        else { return }
        let w = writer
        let confirmed = w.segment.snapshot
        do {
            try w.segment.file.truncate(to: confirmed.size)
            w.zeroedTo = confirmed.size
            do {
                try w.segment.file.sync()
            } catch {
                logger.warning("sync of the cut after a failed fdatasync failed; the next sync covers it",
                    metadata: ["error": "\(error)"])
            }
        } catch {
            logger.error("cannot cut back after a failed fdatasync; the log refuses appends until reopened", metadata: [
                "error": "\(error)", "position": "\(confirmed.size)"])
            pending.withLockedValue { $0.failure = failure }
        }
        w.position = confirmed.size
        w.nextOffset = confirmed.nextOffset
        w.writtenOffset = confirmed.nextOffset
        let actions = syncs.withLockedValue { $0.failAfterCut() }
        if actions.complete { runCompleter(limit: configuration.maxConcurrentSyncs) }
    }

    /// Completes appends (with their results, or all with `error`) and frees their room in the append queue.
    func finish(_ owed: [(PendingAppend, AppendResult)], error: LogError?) {
        guard !owed.isEmpty else { return }
        let charge = owed.reduce(0) { $0 + max($1.0.bytes, PendingAppends.minimumCharge) }
        pending.withLockedValue { $0.bytes -= charge }
        if let error {
            for (item, _) in owed { item.completion(.failure(error)) }
        } else {
            for (item, result) in owed { item.completion(.success(result)) }
        }
    }
}
