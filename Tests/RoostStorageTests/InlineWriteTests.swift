import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import RoostStorage
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inline writes (Docs/storage.md, "Inline writes"): an append that may be written inline, to an idle log whose fsync
/// policy does not sync each write, is written and completed on the caller's thread before `append` returns; under
/// fsync `always` it is written and synced, with the appends made meanwhile, in the block the caller's `endOfTurn`
/// runs; everything else goes to the writer queue as before.
@Suite struct InlineWriteTests {
    /// Where and when an append's completion ran.
    private final class Outcome: Sendable {
        private let state = NIOLockedValueBox<(thread: pthread_t?, result: Result<AppendResult, any Error>?)>((nil, nil))
        let done = DispatchSemaphore(value: 0)

        func record(_ result: Result<AppendResult, any Error>) {
            state.withLockedValue { $0 = (pthread_self(), result) }
            done.signal()
        }

        var thread: pthread_t? { state.withLockedValue { $0.thread } }
        var offset: Int64? { state.withLockedValue { try? $0.result?.get().baseOffset } }
    }

    /// Runs `body` with a fresh disk log under `fsync` (adjusted by `configure`), then closes its store.
    private func withLog(
        fsync: FsyncPolicy, configure: (inout LogConfiguration) -> Void = { _ in },
        _ body: (any TopicLog) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            var configuration = testConfiguration(fsync: fsync)
            configure(&configuration)
            try await body(try store.createLog(named: "t", configuration: configuration))
            try store.close()
        }
    }

    /// Appends `value` and reports whether it completed on this thread before `append` returned.
    private func appendedInline(_ log: any TopicLog, _ value: String, inline: InlineWrite? = InlineWrite()) async -> (inline: Bool, offset: Int64?) {
        let outcome = Outcome()
        log.append([record(value)], inline: inline) { outcome.record($0) }
        let completedBeforeReturn = outcome.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        await withCheckedContinuation { c in DispatchQueue.global().async { outcome.done.wait(); c.resume() } }
        return (completedBeforeReturn, outcome.offset)
    }

    @Test(arguments: [FsyncPolicy.never, .interval(milliseconds: 1_000)])
    func anIdleLogIsWrittenOnTheCallersThread(fsync: FsyncPolicy) async throws {
        try await withLog(fsync: fsync) { log in
            let first = await appendedInline(log, "one")
            #expect(first.inline && first.offset == 0)
            #expect(log.endOffset == 1, "readable as soon as append returned")
            // The writer is idle again after an inline write, and the gap average (1 ms to start with) is still far
            // above 50 µs after one quick append: the next one is inline too.
            let second = await appendedInline(log, "two")
            #expect(second.inline && second.offset == 1)
            let values = try readAll(log).map(\.value.string)
            #expect(values == ["one", "two"])
        }
    }

    /// An `InlineWrite.EndOfTurn` that keeps the blocks it takes (or refuses them), for the test to run.
    private final class Turn: Sendable {
        private let blocks = NIOLockedValueBox<[@Sendable () -> Void]>([])
        private let takes: Bool

        init(takes: Bool = true) { self.takes = takes }

        var endOfTurn: InlineWrite.EndOfTurn {
            { [self] block in
                guard takes else { return false }
                blocks.withLockedValue { $0.append(block) }
                return true
            }
        }

        var count: Int { blocks.withLockedValue { $0.count } }

        /// Runs the blocks taken so far, on this thread.
        func end() {
            for block in blocks.withLockedValue({ b in defer { b = [] }; return b }) { block() }
        }
    }

    @Test func fsyncAlwaysSyncsOnTheCallersThreadOnlyAtTheEndOfItsTurn() async throws {
        try await withLog(fsync: .always) { log in
            let turn = Turn()
            let inline = InlineWrite(endOfTurn: turn.endOfTurn, maxSync: .seconds(1))
            let first = Outcome(), second = Outcome()
            log.append([record("one")], inline: inline) { first.record($0) }
            log.append([record("two")], inline: inline) { second.record($0) }
            #expect(first.thread == nil && second.thread == nil, "nothing is written before the turn ends")
            #expect(turn.count == 1, "the second append waits for the first one's block")
            #expect(log.endOffset == 0)
            turn.end()
            // Both were written and synced by this thread, in the one block.
            for outcome in [first, second] {
                #expect(outcome.thread.map { pthread_equal($0, pthread_self()) != 0 } == true)
            }
            #expect(first.offset == 0 && second.offset == 1)
            #expect(log.endOffset == 2, "readable once synced")
        }
    }

    @Test func fsyncAlwaysWithoutAnEndOfTurnNeverSyncsOnTheCallersThread() async throws {
        try await withLog(fsync: .always) { log in
            let appended = await appendedInline(log, "one")
            #expect(!appended.inline, "an fdatasync must not run on the caller's thread")
            #expect(appended.offset == 0)
            let noBudget = await appendedInline(log, "two", inline: InlineWrite(endOfTurn: Turn().endOfTurn, maxSync: .zero))
            #expect(!noBudget.inline && noBudget.offset == 1)
        }
    }

    @Test func aRefusedEndOfTurnLeavesTheAppendToTheWriterQueue() async throws {
        try await withLog(fsync: .always) { log in
            let appended = await appendedInline(log, "one", inline: InlineWrite(endOfTurn: Turn(takes: false).endOfTurn, maxSync: .seconds(1)))
            #expect(!appended.inline && appended.offset == 0)
        }
    }

    @Test func syncsSlowerThanMaxSyncStayOffTheCallersThread() async throws {
        try await withLog(fsync: .always) { log in
            // The writer's sync sets the average, which no real fdatasync keeps under a nanosecond.
            let first = await appendedInline(log, "one", inline: nil)
            #expect(first.offset == 0)
            let turn = Turn()
            let second = await appendedInline(log, "two", inline: InlineWrite(endOfTurn: turn.endOfTurn, maxSync: .nanoseconds(1)))
            #expect(turn.count == 0 && !second.inline && second.offset == 1)
        }
    }

    @Test func withoutPermissionTheWriterQueueWrites() async throws {
        try await withLog(fsync: .never) { log in
            let appended = await appendedInline(log, "one", inline: nil)
            #expect(!appended.inline && appended.offset == 0)
        }
    }

    @Test func anAppendThatRollsTheSegmentGoesToTheWriterQueue() async throws {
        try await withLog(fsync: .never, configure: { config in config.segmentBytes = 1024 }) { log in
            let value = String(repeating: "x", count: 600)
            let first = await appendedInline(log, value)
            #expect(first.inline && first.offset == 0)
            // A roll writes and syncs the sealed segment's indexes and the directory: not on an event loop.
            let second = await appendedInline(log, value)
            #expect(!second.inline && second.offset == 1)
            #expect((log as? DiskTopicLog)?.segmentCount == 2)
            let records = try readAll(log)
            #expect(records.count == 2)
        }
    }

    @Test func anAppendQueuedBehindABusyWriterIsNotWrittenInline() async throws {
        try await withLog(fsync: .never) { log in
            let release = await holdWriter(log, appending: record("held"))
            let outcome = Outcome()
            log.append([record("queued")], inline: InlineWrite()) { outcome.record($0) }
            #expect(outcome.thread == nil, "the writer is busy: the append waits in its queue")
            release.signal()
            await withCheckedContinuation { c in DispatchQueue.global().async { outcome.done.wait(); c.resume() } }
            #expect(outcome.offset == 1)
        }
    }
}
