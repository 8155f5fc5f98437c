import Dispatch
import NIOCore

/// One write of the log under fsync `always` that waits for an fdatasync: what to publish to readers and
/// whom to tell once it is durable, or the error its appends get.
struct WrittenGroup {
    var segment: Segment
    /// Batches of the write, to publish once durable.
    var batches: [Segment.BatchLocation]
    /// Completions owed, in offset order.
    var completions: [(PendingAppend, AppendResult)]
    /// One past the last offset of the write (`endOffset` once published).
    var endOffset: Int64
    /// Set when the write itself failed (or never ran): the group needs no sync and fails in its turn.
    var error: LogError?

    /// The result paired with appends that fail: never passed on (a failed append gets only its error).
    static let unusedResult = AppendResult(baseOffset: -1, count: 0, timestamp: 0, durable: false)
}

/// The bookkeeping of overlapping fdatasyncs under fsync `always` (pure state, no I/O; guarded by the log's
/// `syncs` lock). See Docs/storage.md, "Overlapping syncs".
///
/// The rules it keeps:
/// - An fdatasync covers every write that completed before it started, so a sync started after a group
///   was written makes the group durable once it returns successfully.
/// - Sync results are taken in the order the syncs started, never in the order they return. Linux reports a
///   writeback error to one fdatasync of an open file only (errseq), so a later sync's success may hide an
///   error an earlier one is about to report; waiting for the earlier one closes that hole.
/// - A failed sync stops confirming: once the outstanding syncs returned, the writer cuts the file back to
///   the last confirmed byte, and only then do the groups not confirmed (those the failed sync covered, and
///   any written since) fail (`failAfterCut`). So an append learns of its failure only when its bytes are
///   gone from the file, and nothing written after a failed sync is ever confirmed on its strength.
/// - Groups complete strictly in the order they were written (offset order), by one completer at a time.
/// - At most `limit` syncs are outstanding; a group written while all are busy waits for the next one to
///   start, which then covers every group written so far.
struct SyncPipeline {
    /// A started sync: the sequence number of the last group written before it started, and its result
    /// once it returned.
    struct Sync {
        var id: UInt64
        var covers: UInt64
        var result: Result<Void, LogError>?
    }

    /// What the completer gets from `takeReady`.
    struct Ready {
        /// Groups to complete, oldest first, with the error each gets (`nil`: durable).
        var groups: [(WrittenGroup, LogError?)] = []
        /// A sync to start for groups that waited for a slot.
        var start: (id: UInt64, file: LogFile)?
        /// The writer waiting for the pipeline to become idle (or to need a cut), to wake.
        var idleWaiter: DispatchSemaphore?
        /// A sync failed and nothing is outstanding any more: ask the writer to cut the file back.
        var requestCut = false
    }

    /// What the caller must do after a state change, outside the lock.
    struct Actions {
        /// Start this sync (id) on `file`.
        var start: (id: UInt64, file: LogFile)?
        /// Become the completer and run `takeReady` until it returns nothing.
        var complete = false
    }

    /// What the writer must do to wait for the pipeline (`waitForIdle`).
    enum Wait {
        case idle
        /// A sync failed and nothing is outstanding: cut the file back, then `failAfterCut`.
        case cut
        case wait(DispatchSemaphore)
    }

    /// Written groups not yet completed, in write order; `groups[i]` has sequence `firstSequence + i`.
    private(set) var groups: [WrittenGroup] = []
    private var firstSequence: UInt64 = 1
    /// Outstanding syncs in start order (running, or returned and waiting for an earlier one).
    private(set) var syncs: [Sync] = []
    private var nextSyncID: UInt64 = 1
    /// Groups up to this sequence are durable.
    private var durable: UInt64 = 0
    /// A written group is covered by no started sync.
    private var wanted = false
    /// The file of the newest group (all outstanding groups share a segment: the writer drains before a roll).
    private var file: LogFile?
    /// A completer is running.
    private(set) var completing = false
    /// A sync failed: nothing more is confirmed until the writer cut the file back (`failAfterCut`).
    private(set) var failure: LogError?
    /// The writer was asked to cut the file back.
    private var cutRequested = false
    /// The writer, waiting in `waitForIdle`.
    private var idleWaiter: DispatchSemaphore?

    /// No sync is outstanding and no completer runs.
    private var isQuiet: Bool { syncs.isEmpty && !completing }
    /// Nothing is written and unconfirmed, no sync is outstanding and no completer runs.
    var isIdle: Bool { groups.isEmpty && isQuiet }

    private var lastSequence: UInt64 { firstSequence + UInt64(groups.count) - 1 }

    /// Adds a group the writer has just written (its `pwrite` returned) to `file`, or one that failed.
    mutating func enqueue(_ group: WrittenGroup, file: LogFile?, limit: Int) -> Actions {
        groups.append(group)
        var actions = Actions()
        // After a failed sync the group waits for the cut (`failAfterCut`).
        if failure != nil { return actions }
        if group.error != nil || file == nil {
            actions.complete = claimCompleter()
            return actions
        }
        self.file = file
        wanted = true
        actions.start = startIfPossible(limit: limit)
        return actions
    }

    /// Records the result of sync `id`.
    mutating func finished(_ id: UInt64, _ result: Result<Void, LogError>) -> Actions {
        if let i = syncs.firstIndex(where: { $0.id == id }) { syncs[i].result = result }
        var actions = Actions()
        actions.complete = claimCompleter()
        return actions
    }

    /// For the completer: takes the results of the oldest returned syncs, then removes and returns the groups
    /// ready to complete. When nothing is ready the completer role is released; then `start` may name a sync
    /// to start for groups that waited for a slot, and `idleWaiter` is the writer to wake if now idle.
    mutating func takeReady(limit: Int) -> Ready {
        while let first = syncs.first, let result = first.result {
            syncs.removeFirst()
            switch result {
            case .success: if failure == nil { durable = max(durable, first.covers) }
            case .failure(let error): failure = failure ?? error
            }
        }
        var ready = Ready()
        for (i, group) in groups.enumerated() {
            if firstSequence + UInt64(i) <= durable, group.error == nil {
                ready.groups.append((group, nil))
            } else if failure == nil, let error = group.error {
                ready.groups.append((group, error))
            } else {
                break
            }
        }
        groups.removeFirst(ready.groups.count)
        firstSequence += UInt64(ready.groups.count)
        if ready.groups.isEmpty {
            completing = false
            if failure == nil { ready.start = startIfPossible(limit: limit) }
            if failure != nil, syncs.isEmpty, !cutRequested {
                cutRequested = true
                ready.requestCut = true
            }
            if isIdle || (failure != nil && isQuiet) {
                ready.idleWaiter = idleWaiter
                idleWaiter = nil
            }
        }
        return ready
    }

    /// For the writer: whether it may go on, must cut the file back first, or must wait.
    mutating func waitForIdle() -> Wait {
        if isIdle { return .idle }
        if failure != nil && isQuiet { return .cut }
        let waiter = DispatchSemaphore(value: 0)
        idleWaiter = waiter
        return .wait(waiter)
    }

    /// For the writer, after it cut the file back following a failed sync (`waitForIdle` said `.cut`): every
    /// group not confirmed fails with the sync's error, in order, and confirms may resume for new groups.
    mutating func failAfterCut() -> Actions {
        guard let failure else { return Actions() }
        for i in groups.indices { groups[i].error = groups[i].error ?? failure }
        self.failure = nil
        cutRequested = false
        wanted = false
        var actions = Actions()
        if !groups.isEmpty { actions.complete = claimCompleter() }
        return actions
    }

    private mutating func claimCompleter() -> Bool {
        if completing { return false }
        completing = true
        return true
    }

    private mutating func startIfPossible(limit: Int) -> (id: UInt64, file: LogFile)? {
        guard wanted, syncs.count < limit, let file, !groups.isEmpty else { return nil }
        wanted = false
        let id = nextSyncID
        nextSyncID += 1
        syncs.append(Sync(id: id, covers: lastSequence, result: nil))
        return (id, file)
    }
}

extension WrittenGroup {
    /// A group of appends that fail with `error` in their turn (their write failed or never ran).
    static func failed(_ items: some Sequence<PendingAppend>, segment: Segment, error: LogError) -> WrittenGroup {
        WrittenGroup(segment: segment, batches: [], completions: items.map { ($0, unusedResult) }, endOffset: -1, error: error)
    }
}
