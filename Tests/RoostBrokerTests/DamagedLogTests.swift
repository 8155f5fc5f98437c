import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A subscription that reaches messages damaged on disk goes on past them with the intact ones, and is told
/// (`DeliverySink.skippedDamaged`); the damaged offsets count as settled. Before, it retried the failing read
/// forever and delivered nothing more.
@Suite(.timeLimit(.minutes(1))) struct DamagedLogTests {
    /// Flips a bit in the payload of the batch holding `offset` (one message per batch) of topic `t`.
    private func damage(_ fixture: BrokerFixture, offset: Int64) throws {
        let path = fixture.directory.appending("logs/t/" + LogFileNames.stem(baseOffset: 0) + LogFileNames.logSuffix)
        var position: Int?
        _ = try SegmentInspector(path: path).walk(decodeRecords: false) { batch in
            if batch.header.baseOffset == offset { position = batch.position }
        }
        let at = try #require(position) + RecordBatchHeader.size + 2
        let fd = open(path, O_RDWR)
        defer { close(fd) }
        var byte: UInt8 = 0
        #expect(pread(fd, &byte, 1, off_t(at)) == 1)
        byte ^= 0x04
        #expect(pwrite(fd, &byte, 1, off_t(at)) == 1)
    }

    @Test(arguments: [true, false])
    func subscriptionGoesOnPastADamagedBatchAndIsTold(cleanRestart: Bool) async throws {
        let fixture = try BrokerFixture(store: .disk)
        try await fixture.publish("t", count: 40, batch: 1)
        try damage(fixture, offset: 17)
        // A clean restart trusts the indexes (the read finds the damage); a crash makes recovery find it.
        try await fixture.restart(clean: cleanRestart)

        let request = SubscriptionRequest(filter: "t", consumer: "c", start: .earliest, ackPolicy: .explicit)
        let (subscription, sink) = try fixture.subscribe(request, mode: .ack)
        await sink.wait { !$0.caughtUp.isEmpty }
        var snapshot = sink.snapshot
        #expect(snapshot.offsets("t") == Array(0..<17) + Array(18..<40))
        #expect(snapshot.skipped.map(\.topic) == ["t"])
        #expect(snapshot.skipped.map(\.offsets) == [17..<18])
        #expect(snapshot.caughtUp.first?.offset == 40)

        // Live delivery goes on, and the ack floor moved over the damaged offset.
        try await fixture.publish("t", count: 1, from: 40)
        await sink.wait(forCount: 40)
        snapshot = sink.snapshot
        #expect(snapshot.offsets("t").last == 40)
        let position = try fixture.broker.describeConsumer("c").topics.first
        #expect(position?.ackFloor == 41)
        subscription.close()
    }

    @Test func anEphemeralSubscriptionWithoutAcksGoesOnToo() async throws {
        let fixture = try BrokerFixture(store: .disk)
        try await fixture.publish("t", count: 30, batch: 1)
        try damage(fixture, offset: 0)
        try damage(fixture, offset: 28)
        try await fixture.restart()
        let (subscription, sink) = try fixture.subscribe(SubscriptionRequest(filter: "t", start: .earliest), mode: .credit)
        await sink.wait { !$0.caughtUp.isEmpty }
        let snapshot = sink.snapshot
        #expect(snapshot.offsets("t") == Array(1..<28) + [29])
        #expect(snapshot.skipped.map(\.offsets) == [0..<1, 28..<29])
        subscription.close()
    }
}
