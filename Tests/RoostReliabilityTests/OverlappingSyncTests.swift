import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import RoostStorage
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Overlapping fdatasyncs under fsync `always` (Docs/storage.md, "Overlapping syncs"), driven through a disk
/// whose syncs the test holds, reorders and fails (`SyncGate`). The tests block on semaphores that GCD
/// threads signal (the writer and sync threads), never on sleeps.
@Suite("Reliability: overlapping fdatasyncs")
struct OverlappingSyncTests {
    /// Appends and what each got, in the order the completions ran.
    final class Appender: Sendable {
        struct Outcome: Sendable {
            var value: String
            var result: Result<AppendResult, LogError>
            /// The log's end offset seen inside the completion.
            var visibleEnd: Int64
        }

        let log: any TopicLog
        private let outcomes = NIOLockedValueBox<[Outcome]>([])
        private let completed = DispatchSemaphore(value: 0)

        init(_ log: any TopicLog) { self.log = log }

        func append(_ value: String, bytes: Int = 0) {
            let padded = value + String(repeating: ".", count: max(0, bytes - value.utf8.count))
            log.append([Record(value: ByteBuffer(string: padded))]) { [log, outcomes, completed] result in
                let mapped = result.mapError { ($0 as? LogError) ?? LogError(code: .io, message: "\($0)") }
                outcomes.withLockedValue { $0.append(Outcome(value: value, result: mapped, visibleEnd: log.endOffset)) }
                completed.signal()
            }
        }

        /// Waits for `n` more completions; false after 60 s (a hang).
        func awaitCompletions(_ n: Int) -> Bool {
            (0..<n).allSatisfy { _ in completed.wait(timeout: .now() + 60) == .success }
        }

        var all: [Outcome] { outcomes.withLockedValue { $0 } }
    }

    private func withGatedLog(
        _ configuration: LogConfiguration = LogConfiguration(maxConcurrentSyncs: 4),
        _ body: (TemporaryDirectory, SyncGate, DiskLogStore, Appender) throws -> Void
    ) throws {
        let dir = try TemporaryDirectory(prefix: "roost-overlap")
        defer { dir.remove() }
        let store = try DiskLogStore(directory: dir.path)
        let log = try store.createLog(named: "t", configuration: configuration)
        let gate = SyncGate(dir.path)
        defer { gate.uninstall() }
        try body(dir, gate, store, Appender(log))
    }

    private func offsets(_ outcomes: [Appender.Outcome]) -> [Int64?] {
        outcomes.map { try? $0.result.get().baseOffset }
    }

    @Test func writerStartsTheNextSyncWhileOneRunsAndConfirmsWaitForTheEarlierOne() throws {
        try withGatedLog { _, gate, store, appender in
            appender.append("a")
            #expect(gate.awaitStarted(1))
            // Written, not durable: not readable.
            #expect(appender.log.endOffset == 0)
            #expect(try appender.log.read(from: 0, maxRecords: 10, maxBytes: 1 << 20).records.isEmpty)
            appender.append("b")
            #expect(gate.awaitStarted(2), "a second sync starts while the first runs")
            appender.append("c")
            #expect(gate.awaitStarted(3))
            // The later syncs return first: their groups still wait for the earliest sync.
            gate.release(2)
            gate.release(1)
            #expect(appender.all.isEmpty)
            #expect(appender.log.endOffset == 0)
            gate.release(0)
            #expect(appender.awaitCompletions(3))
            let outcomes = appender.all
            #expect(outcomes.map(\.value) == ["a", "b", "c"])
            #expect(offsets(outcomes) == [0, 1, 2])
            #expect(outcomes.allSatisfy { (try? $0.result.get().durable) == true })
            // Durable before visible, visible before confirmed.
            #expect(outcomes.map(\.visibleEnd).allSatisfy { $0 >= 1 })
            #expect(zip(outcomes.map(\.visibleEnd), [1, 2, 3]).allSatisfy { $0 >= $1 })
            #expect(try values(appender.log) == ["a", "b", "c"])
            gate.open()
            try store.close()
        }
    }

    /// A failed sync fails every group it covered and every later one, even one whose own (later) sync
    /// succeeded; the bytes are cut before anyone is told; the next append reuses the offsets.
    @Test(arguments: [true, false])
    func failedSyncFailsEveryUnconfirmedGroupAndTheLogGoesOnDensely(firstFails: Bool) throws {
        try withGatedLog { dir, gate, store, appender in
            appender.append("a")
            #expect(gate.awaitStarted(1))
            appender.append("b")
            #expect(gate.awaitStarted(2))
            if firstFails {
                gate.release(1)
                gate.release(0, failing: EIO)
            } else {
                gate.release(1, failing: EIO)
                gate.release(0)
            }
            // Once both returned, the writer cuts the file back and syncs the cut (sync 2); only then are the
            // appends told.
            #expect(gate.awaitStarted(3))
            #expect(appender.all.count == (firstFails ? 0 : 1))
            gate.release(2)
            #expect(appender.awaitCompletions(2))
            let outcomes = appender.all
            #expect(outcomes.map(\.value) == ["a", "b"])
            #expect(offsets(outcomes) == (firstFails ? [nil, nil] : [0, nil]))
            for outcome in outcomes.dropFirst(firstFails ? 0 : 1) {
                #expect(throws: LogError.self) { try outcome.result.get() }
                if case .failure(let error) = outcome.result { #expect(error.code == .io && error.errno == EIO) }
            }
            let segment = Surgery.segment(dir, "t", base: 0)
            let kept = try values(appender.log)
            #expect(kept == (firstFails ? [] : ["a"]))
            gate.open()
            appender.append("c")
            #expect(appender.awaitCompletions(1))
            #expect(offsets(appender.all).last == (firstFails ? 0 : 1))
            #expect(try values(appender.log) == kept + ["c"])
            try store.close()
            // Nothing of "b" is left in the file: an unclean reopen (full scan) finds exactly the confirmed.
            Surgery.remove(dir.appending(LogFileNames.cleanShutdownMarker))
            #expect(Surgery.size(segment) > 0)
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(reopened.recoveryReport.bytesTruncated == 0)
            #expect(try values(#require(reopened.log(named: "t"))) == kept + ["c"])
            try reopened.close()
        }
    }

    @Test func rollWaitsForTheOldSegmentsSyncsBeforeAnythingInTheNewOneIsConfirmed() throws {
        try withGatedLog(LogConfiguration(segmentBytes: 1024, maxConcurrentSyncs: 4)) { dir, gate, store, appender in
            appender.append("a", bytes: 300)
            #expect(gate.awaitStarted(1))
            appender.append("b", bytes: 300)
            #expect(gate.awaitStarted(2))
            // "c" does not fit: the writer must roll, and waits for the two syncs of segment 0 first.
            appender.append("c", bytes: 600)
            #expect(appender.all.isEmpty)
            let log = try #require(store.diskLog(named: "t"))
            #expect(log.segmentCount == 1)
            gate.release(1)
            gate.release(0)
            gate.open()
            #expect(appender.awaitCompletions(3))
            let outcomes = appender.all
            #expect(outcomes.map(\.value) == ["a", "b", "c"])
            #expect(offsets(outcomes) == [0, 1, 2])
            #expect(log.segmentBaseOffsets == [0, 2])
            #expect(try values(log).map { String($0.prefix(1)) } == ["a", "b", "c"])
            try store.close()
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(try values(#require(reopened.log(named: "t"))).map { String($0.prefix(1)) } == ["a", "b", "c"])
            try reopened.close()
        }
    }

    @Test func appendsWaitingForTheirSyncStillCountAgainstTheQueueBound() throws {
        let configuration = LogConfiguration(maxBatchBytes: 1024, maxPendingBytes: 1024, maxConcurrentSyncs: 4)
        try withGatedLog(configuration) { _, gate, store, appender in
            appender.append("first", bytes: 200)
            #expect(gate.awaitStarted(1))
            for i in 0..<20 { appender.append("m\(i)", bytes: 200) }
            // Refusals complete at once; accepted appends wait for the held sync.
            let refused = appender.all
            #expect(!refused.isEmpty)
            #expect(refused.allSatisfy {
                if case .failure(let error) = $0.result { return error.code == .overloaded }
                return false
            })
            let accepted = 21 - refused.count
            #expect(accepted * 200 <= 1024)
            gate.open()
            #expect(appender.awaitCompletions(21))
            #expect(appender.all.filter { (try? $0.result.get()) != nil }.count == accepted)
            try store.close()
        }
    }

    @Test func manyConcurrentAppendersCompleteInOffsetOrderAfterTheirRecordsAreVisible() throws {
        let dir = try TemporaryDirectory(prefix: "roost-overlap")
        defer { dir.remove() }
        let store = try DiskLogStore(directory: dir.path)
        let appender = Appender(try store.createLog(named: "t", configuration: LogConfiguration(maxConcurrentSyncs: 4)))
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<100 { appender.append("\(thread)-\(i)") }
        }
        #expect(appender.awaitCompletions(800))
        let outcomes = appender.all
        let offsets = outcomes.compactMap { try? $0.result.get().baseOffset }
        #expect(offsets == Array(0..<800))
        #expect(zip(outcomes.map(\.visibleEnd), offsets).allSatisfy { $0 > $1 })
        #expect(try values(appender.log).count == 800)
        try store.close()
    }

    @Test func concurrentSyncsSettingIsValidatedAndDefaultsWhenAbsent() throws {
        #expect(LogConfiguration().maxConcurrentSyncs == 1)
        for bad in [0, 17] {
            #expect(throws: LogError.self) { try LogConfiguration(maxConcurrentSyncs: bad).validate() }
        }
        try LogConfiguration(maxConcurrentSyncs: 1).validate()
    }
}
