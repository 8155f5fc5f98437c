import NIOCore
import RoostStorage
import RoostTesting
import Synchronization
import Testing

/// An implementation of the log contract under test.
enum Backend: Sendable, CustomStringConvertible {
    case disk(CompressionCodec)
    case memory

    var description: String {
        switch self {
        case .disk(let codec): "disk, \(codec.rawValue)"
        case .memory: "memory"
        }
    }
}

/// `TopicLog` behaviour every implementation must show: run over the disk log with each codec and over
/// the in-memory log.
@Suite struct TopicLogConformanceTests {
    static let backends: [Backend] = CompressionCodec.allCases.map { .disk($0) } + [.memory]
    static let codecs = CompressionCodec.allCases

    func withLog<T>(_ backend: Backend, fsync: FsyncPolicy = .never, clock: ManualClock = ManualClock(),
                    _ body: (any LogStore, any TopicLog) async throws -> T) async throws -> T {
        try await withTemporaryDirectory { dir in
            let store: any LogStore
            var configuration = testConfiguration(fsync: fsync)
            switch backend {
            case .disk(let codec):
                store = try DiskLogStore(directory: dir.path, clock: clock)
                configuration.compression = codec
            case .memory:
                store = InMemoryLogStore(clock: clock)
            }
            let log = try store.createLog(named: "orders.created", configuration: configuration)
            let result = try await body(store, log)
            try store.close()
            return result
        }
    }

    @Test(arguments: backends)
    func roundTripsKeysHeadersAndPayloads(backend: Backend) async throws {
        try await withLog(backend) { _, log in
            let big = ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let records = [
                Record(value: ByteBuffer()),
                Record(key: ByteBuffer(), value: ByteBuffer(string: "empty key is not no key")),
                record("héllo wörld ✓", key: "ключ-🔑", headers: [RecordHeader(name: "trace-ü", value: "値"), RecordHeader(name: "trace-ü", value: "")]),
                Record(key: nil, headers: [], value: big),
            ]
            let result = try await log.append(records)
            #expect(result.baseOffset == 0 && result.count == 4 && result.lastOffset == 3)
            let read = try readAll(log)
            #expect(read.map(\.offset) == [0, 1, 2, 3])
            #expect(read.map(\.key) == records.map(\.key))
            #expect(read.map(\.headers) == records.map(\.headers))
            #expect(read.map(\.value) == records.map(\.value))
            #expect(read.allSatisfy { $0.timestamp == result.timestamp })
        }
    }

    @Test(arguments: codecs)
    func diskLogSurvivesReopen(codec: CompressionCodec) async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "a", configuration: testConfiguration(codec))
            for i in 0..<20 { _ = try await log.append([record("r\(i)", key: "k\(i)")]) }
            try store.close()
            let reopened = try DiskLogStore(directory: dir.path)
            let again = try #require(reopened.log(named: "a"))
            #expect(again.configuration.compression == codec)
            #expect(again.endOffset == 20)
            #expect(try readAll(again).map { $0.value.string } == (0..<20).map { "r\($0)" })
            #expect(try await again.append([record("next")]).baseOffset == 20)
            try reopened.close()
            let error = #expect(throws: LogError.self) { try again.read(from: 0, maxRecords: 1, maxBytes: 1) }
            #expect(error?.code == .closed)
        }
    }

    @Test(arguments: backends)
    func readsHonourLimitsAndRange(backend: Backend) async throws {
        try await withLog(backend) { _, log in
            _ = try await log.append((0..<100).map { record("value-\($0)") })
            let some = try log.read(from: 10, maxRecords: 5, maxBytes: 1 << 20)
            #expect(some.records.map(\.offset) == [10, 11, 12, 13, 14])
            #expect(some.nextOffset == 15)
            let one = try log.read(from: 50, maxRecords: 100, maxBytes: 1)
            #expect(one.records.map(\.offset) == [50])
            let end = try log.read(from: 100, maxRecords: 10, maxBytes: 1 << 20)
            #expect(end.records.isEmpty && end.nextOffset == 100)
            let past = try log.read(from: 500, maxRecords: 10, maxBytes: 1 << 20)
            #expect(past.records.isEmpty && past.nextOffset == 500)
        }
    }

    @Test(arguments: backends)
    func timestampsAreNonDecreasingAndFoundByTime(backend: Backend) async throws {
        let clock = ManualClock(milliseconds: 10_000)
        try await withLog(backend, clock: clock) { _, log in
            var stamps: [Int64] = []
            for i in 0..<50 {
                clock.advance(by: i == 25 ? -5_000 : 100)  // a clock step back must not reorder time
                stamps.append(try await log.append([record("r\(i)"), record("s\(i)")]).timestamp)
            }
            #expect(stamps == stamps.sorted())
            #expect(stamps[25] == stamps[24])
            #expect(try log.offset(forTimestamp: 0) == 0)
            #expect(try log.offset(forTimestamp: stamps[10]) == 20)
            #expect(try log.offset(forTimestamp: stamps[10] + 1) == 22)
            #expect(try log.offset(forTimestamp: stamps[49] + 1) == log.endOffset)
        }
    }

    @Test(arguments: backends)
    func concurrentAppendersGetDenseUniqueOffsets(backend: Backend) async throws {
        try await withLog(backend, fsync: .always) { _, log in
            let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
                for i in 0..<400 {
                    group.addTask { try await log.append((0..<(i % 3 + 1)).map { record("t\(i)-\($0)") }) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let offsets = results.flatMap { r in (0..<r.count).map { r.baseOffset + Int64($0) } }.sorted()
            #expect(offsets == Array(0..<Int64(offsets.count)))
            if case .disk = backend { #expect(results.allSatisfy { $0.durable }) }
            let read = try readAll(log)
            #expect(read.count == offsets.count)
            for r in results {
                let first = read[Int(r.baseOffset)].value.string
                #expect(first.hasSuffix("-0"))
            }
        }
    }

    @Test(arguments: backends)
    func tailReaderIsWokenByAnAppend(backend: Backend) async throws {
        try await withLog(backend) { _, log in
            _ = try await log.append([record("before")])
            let woken = Atomic<Bool>(false)
            let (stream, continuation) = AsyncStream<Void>.makeStream()
            let immediate = Atomic<Bool>(false)
            log.notifyWhenReadable(beyond: 0) { immediate.store(true, ordering: .sequentiallyConsistent) }
            let fired = immediate.load(ordering: .sequentiallyConsistent)
            #expect(fired, "offset 0 is readable already: the callback runs at once")
            log.notifyWhenReadable(beyond: 1) {
                woken.store(true, ordering: .sequentiallyConsistent)
                continuation.yield()
                continuation.finish()
            }
            let early = woken.load(ordering: .sequentiallyConsistent)
            #expect(!early)
            _ = try await log.append([record("after")])
            for await _ in stream { break }
            let late = woken.load(ordering: .sequentiallyConsistent)
            #expect(late)
            #expect(try log.read(from: 1, maxRecords: 10, maxBytes: 1 << 20).records.map { $0.value.string } == ["after"])
        }
    }

    @Test(arguments: backends)
    func tailReaderFollowsConcurrentAppendsWithoutGapsOrDuplicates(backend: Backend) async throws {
        try await withLog(backend, fsync: .always) { _, log in
            let total = 2_000
            let reader = Task { () throws -> [String] in
                var next: Int64 = 0
                var seen: [String] = []
                while seen.count < total {
                    let page = try log.read(from: next, maxRecords: 300, maxBytes: 1 << 20)
                    if page.records.isEmpty {
                        let offset = next
                        await withCheckedContinuation { c in log.notifyWhenReadable(beyond: offset) { c.resume() } }
                        continue
                    }
                    #expect(page.records.first?.offset == next)
                    seen += page.records.map { $0.value.string }
                    next = page.nextOffset
                }
                return seen
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for i in stride(from: writer, to: total, by: 4) { _ = try await log.append([record("\(i)")]) }
                    }
                }
                try await group.waitForAll()
            }
            let seen = try await reader.value
            #expect(seen.count == total)
            #expect(Set(seen).count == total)
            #expect(try readAll(log).map { $0.value.string } == seen)
        }
    }

    @Test(arguments: backends)
    func appendsAfterCloseFail(backend: Backend) async throws {
        var closedLog: (any TopicLog)?
        try await withLog(backend) { _, log in closedLog = log }
        let log = try #require(closedLog)
        let error = await #expect(throws: LogError.self) { try await log.append([record("x")]) }
        #expect(error?.code == .closed)
    }
}
