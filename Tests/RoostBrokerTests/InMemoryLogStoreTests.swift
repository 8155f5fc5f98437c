import NIOCore
import RoostStorage
import RoostTesting
import Testing

@Suite struct InMemoryLogStoreTests {
    private func records(_ count: Int, size: Int = 10) -> [Record] {
        (0..<count).map { _ in Record(value: ByteBuffer(repeating: 1, count: size)) }
    }

    @Test func offsetsAreDenseAndReadsAreConsecutive() async throws {
        let clock = ManualClock()
        let store = InMemoryLogStore(clock: clock)
        let log = try store.createLog(named: "t", configuration: .init())
        let first = try await log.append(records(3))
        clock.advance(by: 10)
        let second = try await log.append(records(2))
        #expect(first.baseOffset == 0 && first.count == 3)
        #expect(second.baseOffset == 3 && second.timestamp == first.timestamp + 10)
        #expect(log.endOffset == 5)
        let read = try log.read(from: 2, maxRecords: 10, maxBytes: 1 << 20)
        #expect(read.records.map(\.offset) == [2, 3, 4])
        #expect(read.nextOffset == 5)
        #expect(try log.read(from: 5, maxRecords: 10, maxBytes: 1 << 20).records.isEmpty)
        #expect(try log.offset(forTimestamp: second.timestamp) == 3)
        #expect(try log.offset(forTimestamp: second.timestamp + 1) == 5)
        #expect(throws: LogError.self) { try store.createLog(named: "t", configuration: .init()) }
    }

    @Test func retentionBytesBoundsTheLogAndReadsBelowStartFail() async throws {
        let store = InMemoryLogStore(clock: ManualClock())
        let log = try store.createLog(named: "t", configuration: .init(retentionBytes: 10_000))
        for _ in 0..<100 { _ = try await log.append(records(10, size: 100)) }
        #expect(log.sizeInBytes <= 10_000)
        #expect(log.startOffset > 0)
        #expect(log.endOffset == 1_000)
        do {
            _ = try log.read(from: 0, maxRecords: 1, maxBytes: 100)
            Issue.record("read below start succeeded")
        } catch let error as LogError {
            #expect(error.code == .offsetOutOfRange)
            #expect(error.earliestOffset == log.startOffset)
        }
    }

    @Test func notifyWhenReadableFiresOnAppend() async throws {
        let store = InMemoryLogStore(clock: ManualClock())
        let log = try store.createLog(named: "t", configuration: .init())
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            log.notifyWhenReadable(beyond: 0) { continuation.resume() }
            log.append(records(1)) { _ in }
        }
        #expect(log.endOffset == 1)
        try store.close()
        await #expect(throws: LogError.self) { try await log.append(records(1)) }
    }
}
