import CoreMetrics
import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore

extension DiskTopicLog {
    public func append(_ records: [Record], completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void) {
        append(records, inline: nil, completion: completion)
    }

    public func append(_ records: [Record], inline: InlineWrite?,
                       completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void) {
        let configuration = self.configuration
        if records.isEmpty {
            let result = AppendResult(baseOffset: endOffset, count: 0, timestamp: clock.nowMilliseconds(), durable: true)
            return completion(.success(result))
        }
        var bytes = RecordBatchHeader.size
        for record in records { bytes += RecordBatchWriter.maxEncodedSize(record) }
        if bytes > configuration.maxBatchBytes || records.count > Int(Int32.max) {
            return completion(.failure(LogError(code: .recordTooLarge,
                message: "append of \(bytes) bytes exceeds maxBatchBytes \(configuration.maxBatchBytes) of '\(name)'")))
        }
        let charge = max(bytes, PendingAppends.minimumCharge)
        let now = DispatchTime.now().uptimeNanoseconds
        let outcome = pending.withLockedValue { p -> Result<Drainer?, LogError> in
            if let failure = p.failure { return .failure(failure) }
            if p.closed { return .failure(LogError(code: .closed, message: "log '\(name)' is closed")) }
            if p.bytes + charge > configuration.maxPendingBytes {
                return .failure(LogError(code: .overloaded,
                    message: "more than \(configuration.maxPendingBytes) bytes of appends queued for '\(name)'"))
            }
            p.items.append(PendingAppend(records: records, bytes: bytes, completion: completion))
            p.bytes += charge
            // Two appenders can take `now` in one order and the lock in the other: that gap is 0, not a wrap-around.
            let gap = now > p.lastAppendAt ? min(now - p.lastAppendAt, Self.inlineWriteGapLimitNanoseconds) : 0
            p.lastAppendAt = now
            p.averageGap = p.averageGap - p.averageGap / 8 + gap / 8
            let quiet = p.averageGap >= Self.inlineWriteGapNanoseconds
            if p.draining { return .success(nil) }
            p.draining = true
            guard let inline else { return .success(.queue) }
            guard configuration.fsync == .always else { return .success(quiet ? .caller : .queue) }
            // Syncing on the caller: one sync at a time (the writer completes groups itself), a thread to sync at
            // the end of its turn, a disk fast enough for that thread to wait, and syncs that carry few appends:
            // a busier log is served better by its writer thread, which syncs while the event loops go on reading.
            guard !Self.overlapsSyncs(configuration), let endOfTurn = inline.endOfTurn, inline.maxSync > .zero,
                  p.averageSync <= inline.maxSync.nanoseconds, p.averageGroup <= Self.inlineSyncGroupLimit
            else { return .success(.queue) }
            return .success(.endOfTurn(endOfTurn))
        }
        switch outcome {
        case .failure(let error):
            metrics.rejectedAppends.increment()
            completion(.failure(error))
        case .success(.caller?):
            queue.sync { drainInline(maySync: false) }
        case .success(.endOfTurn(let endOfTurn)?):
            // Appends made until then wait in `pending` (the writer stays marked as draining) and share the write.
            // Refused (the thread already has a block for another log this turn): the writer queue does it.
            if !endOfTurn({ self.queue.sync { self.drainInline(maySync: true) } }) { queue.async { self.drain() } }
        case .success(.queue?):
            queue.async { self.drain() }
        case .success(nil):
            break
        }
    }

    /// Who writes an append that found the writer idle.
    private enum Drainer {
        /// The appending thread, at once (`drainInline`).
        case caller
        /// The appending thread, at the end of its turn, with the fdatasync (`drainInline` in the block handed
        /// to `InlineWrite.endOfTurn`).
        case endOfTurn(InlineWrite.EndOfTurn)
        /// The writer queue (`drain`).
        case queue
    }

    /// An append may be written inline only while the time between the log's appends averages at least this (a
    /// moving average over about the last 8 appends, `PendingAppends.averageGap`): a topic receiving appends more
    /// often (a pipelining publisher, many publishers) is better served by the writer thread, which merges them
    /// into one write (group commit) while the event loops go on reading, than by one write per append on an event
    /// loop. 50 µs: evenly spaced appends are written inline up to ~20,000 a second, and the odd pair sent together
    /// by a slower publisher is still written inline.
    static let inlineWriteGapNanoseconds: UInt64 = 50_000
    /// Under fsync `always` an append is synced on the appending thread only while the log's writes average at
    /// most this many appends (`PendingAppends.averageGroup`, in 1/16ths). 8: at 10,000 appends a second and syncs of
    /// ~0.2 ms a group holds 2-4; a pipelining publisher's groups hold dozens, and the event loop must go on reading
    /// while they sync.
    static let inlineSyncGroupLimit: UInt64 = 8 * 16
    /// Gaps count at most this in the average, so that after a dense burst a few spaced appends make it quiet again.
    static let inlineWriteGapLimitNanoseconds: UInt64 = 1_000_000

    /// Runs on `queue`, entered from the appending thread (`queue.sync` on a queue with nothing scheduled runs the
    /// block on the caller's thread): writes what is queued once, here (with its fdatasync under fsync `always`,
    /// which `append` allowed only for a fast disk), unless it needs what an event loop must not wait for (a
    /// segment roll, overlapping syncs, syncs of an earlier `always` configuration still running), which goes to
    /// the queue as before. What was appended meanwhile goes to the queue too, so an inline writer does one write
    /// at most. See Docs/storage.md, "Inline writes".
    private func drainInline(maySync: Bool) {
        let items = takePending(finishingDrain: true)
        if items.isEmpty { return }
        let configuration = self.configuration
        guard maySync || configuration.fsync != .always, !Self.overlapsSyncs(configuration),
              syncs.withLockedValue({ $0.isIdle }), !wouldRoll(items, configuration)
        else {
            return queue.async { self.process(items); self.drain() }
        }
        process(items)
        let more = pending.withLockedValue { p in
            if p.items.isEmpty { p.draining = false }
            return !p.items.isEmpty
        }
        if more { queue.async { self.drain() } }
    }

    /// Whether writing `items` at once would roll the active segment.
    private func wouldRoll(_ items: [PendingAppend], _ configuration: LogConfiguration) -> Bool {
        var bytes = RecordBatchHeader.size
        var count = 0
        for item in items {
            bytes += item.bytes
            count += item.records.count
        }
        return needsRoll(configuration, incoming: bytes, count: count, now: max(clock.nowMilliseconds(), writer.lastTimestamp))
    }

    /// Runs on `queue`: writes everything queued, in as few batches, writes and fsyncs as possible.
    func drain() {
        while true {
            let items = takePending(finishingDrain: true)
            if items.isEmpty { return }
            process(items)
        }
    }

    func takePending(finishingDrain: Bool) -> [PendingAppend] {
        pending.withLockedValue { p in
            if p.items.isEmpty {
                if finishingDrain { p.draining = false }
                return []
            }
            // The bytes stay charged until the appends complete (`finish`), so that the bound also covers
            // appends being written or waiting for their sync.
            let taken = p.items
            p.items = []
            return taken
        }
    }

    /// Encodes `items` into batches (each up to `maxBatchBytes`), writes them with one write per segment
    /// (and one fdatasync under `always`), then completes the callers.
    func process(_ items: [PendingAppend]) {
        let w = writer
        let configuration = self.configuration
        let overlapping = Self.overlapsSyncs(configuration)
        let (failure, abandoned) = pending.withLockedValue { ($0.failure, $0.abandoned) }
        if let failure = failure ?? (abandoned ? LogError(code: .closed, message: "log '\(name)' was deleted") : nil) {
            return fail(items[...], failure, overlapping: overlapping)
        }
        let now = max(clock.nowMilliseconds(), w.lastTimestamp)
        w.lastTimestamp = now
        let durable = configuration.fsync == .always
        // Appends share a batch up to this; a larger single append gets its own (up to `maxBatchBytes`).
        let mergeLimit = min(configuration.mergedBatchBytes, configuration.maxBatchBytes)
        var i = 0
        do {
            // Groups of a previous configuration may still wait for their syncs; with one sync at a time
            // (or none) the writer completes groups itself, so it lets them finish first. After a failed sync
            // the file is cut back before anything more is written (a busy writer may never leave `drain`
            // for the cut it was asked to make).
            if !overlapping || syncs.withLockedValue({ $0.failure != nil }) { waitForSyncs() }
            while i < items.count {
                var j = i
                var groupBytes = RecordBatchHeader.size
                var count = 0
                while j < items.count, j == i || groupBytes + items[j].bytes <= mergeLimit {
                    groupBytes += items[j].bytes
                    count += items[j].records.count
                    j += 1
                }
                if w.buffer.out.readableBytes >= configuration.maxBatchBytes { try commit(configuration) }
                if needsRoll(configuration, incoming: groupBytes, count: count, now: now) {
                    try commit(configuration)
                    try roll(configuration)
                }
                let (header, start) = try w.buffer.encodeBatch(
                    items[i..<j], codec: configuration.compression, baseOffset: w.nextOffset, timestamp: now)
                var offset = w.nextOffset
                for k in i..<j {
                    w.completions.append((items[k], AppendResult(baseOffset: offset, count: items[k].records.count, timestamp: now, durable: durable)))
                    offset += Int64(items[k].records.count)
                }
                w.batches.append(Segment.BatchLocation(header: header, position: w.position + start))
                w.nextOffset = offset
                metrics.appends.increment(by: j - i)
                metrics.records.increment(by: count)
                metrics.batches.increment()
                metrics.batchRecords.record(count)
                i = j
            }
            try commit(configuration)
        } catch {
            let failure = (error as? LogError) ?? LogError(code: .io, message: "append to '\(name)' failed: \(error)")
            logger.error("append failed", metadata: ["error": "\(failure)"])
            let owed = w.completions.map(\.0) + items[i...]
            w.completions = []
            w.batches = []
            w.buffer.clear()
            w.nextOffset = w.writtenOffset
            fail(owed[...], failure, overlapping: overlapping)
        }
    }

    /// Fails `items`: under overlapping syncs in their turn after the groups written before them, otherwise
    /// at once (nothing written before them is still owed).
    private func fail(_ items: ArraySlice<PendingAppend>, _ error: LogError, overlapping: Bool) {
        guard !items.isEmpty else { return }
        if overlapping {
            enqueueWritten(.failed(items, segment: writer.segment, error: error), file: nil, limit: configuration.maxConcurrentSyncs)
        } else {
            finish(items.map { ($0, WrittenGroup.unusedResult) }, error: error)
        }
    }

    private func needsRoll(_ configuration: LogConfiguration, incoming: Int, count: Int, now: Int64) -> Bool {
        let w = writer
        let size = w.position + w.buffer.out.readableBytes
        guard size > 0 else { return false }
        if size + incoming > configuration.segmentBytes { return true }
        if w.nextOffset + Int64(count) - w.segment.baseOffset > Int64(UInt32.max) { return true }
        let first = w.segment.snapshot.firstTimestamp ?? now
        return now - first >= configuration.segmentMilliseconds
    }

    /// Writes `out`, syncs under `always`, publishes the batches, advances `endOffset`, completes the
    /// callers and wakes tail readers.
    ///
    /// A failed write or fdatasync (ENOSPC, EIO) fails only the appends of this write, and cuts the file back to
    /// the last confirmed byte, which under fsync `always` is the last durable one: an earlier fdatasync that
    /// succeeded covered it. The bytes of the failed write are never synced again: after a failed fdatasync
    /// the kernel may have marked their pages clean or dropped them, and a retried sync can report success
    /// without writing them (the PostgreSQL "fsyncgate" lesson); so they are dropped with `ftruncate`, the cut
    /// is synced (best effort: the next append's fdatasync covers it too), and the next append encodes its
    /// batch afresh at the next dense offset. Publishing thus resumes by itself when the disk heals. Only a
    /// failed cut fences the log until it is reopened. See Docs/reliability.md.
    func commit(_ configuration: LogConfiguration) throws {
        let w = writer
        guard w.buffer.out.readableBytes > 0 else { return }
        let overlapping = Self.overlapsSyncs(configuration)
        var syncing = false
        do {
            try w.segment.file.write(w.buffer.out, at: w.position)
            if overlapping {
                // Synced by the pipeline, overlapping the next writes.
            } else if configuration.fsync == .always {
                syncing = true
                let took = try timedSync(w.segment.file)
                let appends = w.completions.count
                pending.withLockedValue { $0.recordWrite(appends: appends, syncNanoseconds: took) }
            } else {
                w.unsynced = true
            }
        } catch {
            let failure = (error as? LogError) ?? LogError(code: .io, message: "\(error)")
            metrics.writeFailures.increment()
            do {
                try w.segment.file.truncate(to: w.position)
                w.zeroedTo = w.position
            } catch {
                logger.error("cannot cut a failed write back; the log refuses appends until reopened", metadata: [
                    "error": "\(error)", "position": "\(w.position)"])
                pending.withLockedValue { $0.failure = failure }
                throw failure
            }
            if syncing {
                do {
                    try w.segment.file.sync()
                } catch {
                    logger.warning("sync of the cut after a failed fdatasync failed; the next append's sync covers it",
                        metadata: ["error": "\(error)"])
                }
            }
            throw failure
        }
        let written = w.buffer.out.readableBytes
        w.position += written
        w.writtenOffset = w.nextOffset
        metrics.bytes.increment(by: written)
        w.buffer.clear()
        // After the callers of this write are served (or handed to the sync pipeline): the zeros' own sync cost
        // falls on a later group.
        defer { zeroFillAhead(configuration, written: written) }
        if overlapping {
            let group = WrittenGroup(segment: w.segment, batches: w.batches, completions: w.completions, endOffset: w.nextOffset)
            w.batches = []
            w.completions = []
            enqueueWritten(group, file: w.segment.file, limit: configuration.maxConcurrentSyncs)
            return
        }
        w.segment.published(w.batches)
        w.batches.removeAll(keepingCapacity: true)
        let end = w.nextOffset
        state.withLockedValue { $0.endOffset = end }
        let owed = w.completions
        w.completions.removeAll(keepingCapacity: true)
        finish(owed, error: nil)
        wakeWaiters()
        if case .interval(let milliseconds) = configuration.fsync, !w.syncScheduled {
            w.syncScheduled = true
            queue.asyncAfter(deadline: .now() + .milliseconds(Int(clamping: milliseconds))) { self.intervalSync() }
        }
    }

    /// fdatasyncs `file`, counts it and records its duration; returns the duration in nanoseconds.
    func timedSync(_ file: LogFile) throws -> UInt64 {
        let start = DispatchTime.now().uptimeNanoseconds
        try file.sync()
        let took = DispatchTime.now().uptimeNanoseconds &- start
        metrics.fsyncs.increment()
        metrics.fsyncSeconds.recordNanoseconds(Int64(clamping: took))
        return took
    }

    /// Runs on `queue` at most the fsync interval after a write: starts an fdatasync of the active segment on a sync
    /// queue, so that the writer (and an inline writer's event loop, which enters `queue`) never waits for it. The
    /// sync covers every write made before it starts; writes made while it runs are covered by the next one.
    private func intervalSync() {
        let w = writer
        w.syncScheduled = false
        guard w.unsynced, !pending.withLockedValue({ $0.closed }) else { return }
        w.unsynced = false
        let file = w.segment.file
        syncQueues[0].async {
            do {
                _ = try self.timedSync(file)
            } catch {
                let failure = (error as? LogError) ?? LogError(code: .io, message: "\(error)")
                self.logger.error("interval fsync failed; the log refuses appends until reopened", metadata: ["error": "\(failure)"])
                self.pending.withLockedValue { $0.failure = failure }
            }
        }
    }

    /// Seals the active segment (indexes written and synced) and starts a new one at `nextOffset`.
    ///
    /// Under overlapping syncs it first waits until every group written to the old segment is completed
    /// (cutting the file back if a sync failed), so that nothing in the new segment can be confirmed before
    /// the old one's last syncs returned, and the old segment's indexes hold every published batch.
    private func roll(_ configuration: LogConfiguration) throws {
        let w = writer
        if pending.withLockedValue({ $0.abandoned }) { throw LogError(code: .closed, message: "log '\(name)' was deleted") }
        waitForSyncs()
        if let failure = pending.withLockedValue({ $0.failure }) { throw failure }
        try cutZeroTail()
        try w.segment.writeIndexes(final: true)
        let segment = try Segment(directory: directory, baseOffset: w.nextOffset,
            indexIntervalBytes: configuration.indexIntervalBytes, create: true)
        try FileSystem.syncDirectory(directory)
        state.withLockedValue { $0.segments.append(segment) }
        w.segment = segment
        w.position = 0
        w.zeroedTo = 0
        w.unsynced = false
        metrics.rolls.increment()
        logger.debug("rolled segment", metadata: ["baseOffset": "\(segment.baseOffset)"])
    }
}
