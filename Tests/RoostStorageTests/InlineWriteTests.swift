import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import RoostStorage
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inline writes (Docs/architecture.md, "Inline writes"): an append that may be written inline, to an idle log whose
/// fsync policy does not sync each write, is written and completed on the caller's thread before `append` returns;
/// everything else goes to the writer queue as before.
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

    /// Appends `value` and reports whether it completed on this thread before `append` returned.
    private func appendedInline(_ log: any TopicLog, _ value: String, mayWriteInline: Bool = true) async -> (inline: Bool, offset: Int64?) {
        let outcome = Outcome()
        log.append([record(value)], mayWriteInline: mayWriteInline) { outcome.record($0) }
        let completedBeforeReturn = outcome.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        await withCheckedContinuation { c in DispatchQueue.global().async { outcome.done.wait(); c.resume() } }
        return (completedBeforeReturn, outcome.offset)
    }

    @Test(arguments: [FsyncPolicy.never, .interval(milliseconds: 1_000)])
    func anIdleLogIsWrittenOnTheCallersThread(fsync: FsyncPolicy) async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "i", configuration: testConfiguration(fsync: fsync))
            let first = await appendedInline(log, "one")
            #expect(first.inline && first.offset == 0)
            #expect(log.endOffset == 1, "readable as soon as append returned")
            // The writer is idle again after an inline write, and the gap average (1 ms to start with) is still far
            // above 50 µs after one quick append: the next one is inline too.
            let second = await appendedInline(log, "two")
            #expect(second.inline && second.offset == 1)
            #expect(try readAll(log).map(\.value.string) == ["one", "two"])
            try store.close()
        }
    }

    @Test func fsyncAlwaysNeverWritesOnTheCallersThread() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "a", configuration: testConfiguration(fsync: .always))
            let appended = await appendedInline(log, "one")
            #expect(!appended.inline, "an fdatasync must not run on the caller's thread")
            #expect(appended.offset == 0)
            try store.close()
        }
    }

    @Test func withoutPermissionTheWriterQueueWrites() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "q", configuration: testConfiguration(fsync: .never))
            let appended = await appendedInline(log, "one", mayWriteInline: false)
            #expect(!appended.inline && appended.offset == 0)
            try store.close()
        }
    }

    @Test func anAppendThatRollsTheSegmentGoesToTheWriterQueue() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            var config = testConfiguration(fsync: .never)
            config.segmentBytes = 1024
            let log = try store.createLog(named: "r", configuration: config)
            let value = String(repeating: "x", count: 600)
            let first = await appendedInline(log, value)
            #expect(first.inline && first.offset == 0)
            // A roll writes and syncs the sealed segment's indexes and the directory: not on an event loop.
            let second = await appendedInline(log, value)
            #expect(!second.inline && second.offset == 1)
            #expect((log as? DiskTopicLog)?.segmentCount == 2)
            #expect(try readAll(log).count == 2)
            try store.close()
        }
    }

    @Test func anAppendQueuedBehindABusyWriterIsNotWrittenInline() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "b", configuration: testConfiguration(fsync: .never))
            let release = await holdWriter(log, appending: record("held"))
            let outcome = Outcome()
            log.append([record("queued")], mayWriteInline: true) { outcome.record($0) }
            #expect(outcome.thread == nil, "the writer is busy: the append waits in its queue")
            release.signal()
            await withCheckedContinuation { c in DispatchQueue.global().async { outcome.done.wait(); c.resume() } }
            #expect(outcome.offset == 1)
            try store.close()
        }
    }
}
