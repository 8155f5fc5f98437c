import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import RoostBroker
import RoostStorage
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `BrokerConfiguration.inlineWriteMaxBytes`: a publish up to that size, to an idle topic under fsync `interval` or
/// `never`, is stored and confirmed on the publishing thread before `publish` returns (under `always`: in the block
/// its `endOfTurn` runs, while syncs take at most `inlineSyncMaxMicroseconds`); a larger one goes to the topic's
/// writer thread.
@Suite(.timeLimit(.minutes(1))) struct InlinePublishTests {
    /// Publishes `bytes` of payload; returns whether the confirm came on this thread before `publish` returned, and
    /// the confirmed offset.
    private func publish(_ broker: Broker, bytes: Int) async -> (inline: Bool, offset: Int64?) {
        let outcome = NIOLockedValueBox<(thread: pthread_t, offset: Int64?)?>(nil)
        let done = DispatchSemaphore(value: 0)
        broker.publish(topic: "t", messages: [PublishMessage(payload: ByteBuffer(repeating: 1, count: bytes))]) { result in
            outcome.withLockedValue { $0 = (pthread_self(), try? result.get().messages.first?.offset) }
            done.signal()
        }
        let inline = outcome.withLockedValue { $0.map { pthread_equal($0.thread, pthread_self()) != 0 } } ?? false
        await withCheckedContinuation { c in DispatchQueue.global().async { done.wait(); c.resume() } }
        return (inline, outcome.withLockedValue { $0?.offset })
    }

    /// A broker on disk under `fsync` with the topic "t".
    private func fixture(fsync: FsyncPolicy, _ configuration: BrokerConfiguration) throws -> BrokerFixture {
        var configuration = configuration
        configuration.defaultTopicConfiguration.fsync = fsync
        let fixture = try BrokerFixture(configuration: configuration, store: .disk)
        try fixture.broker.createTopic("t")
        return fixture
    }

    @Test func smallPublishesAreWrittenInlineAndLargeOnesByTheWriter() async throws {
        let fixture = try fixture(
            fsync: .interval(milliseconds: 1_000), BrokerConfiguration(tickIntervalMilliseconds: nil, inlineWriteMaxBytes: 100))
        let small = await publish(fixture.broker, bytes: 100)
        #expect(small.inline && small.offset == 0)
        let large = await publish(fixture.broker, bytes: 101)
        #expect(!large.inline && large.offset == 1)
    }

    @Test func zeroTurnsInlineWritesOff() async throws {
        let fixture = try fixture(fsync: .never, BrokerConfiguration(tickIntervalMilliseconds: nil, inlineWriteMaxBytes: 0))
        let published = await publish(fixture.broker, bytes: 1)
        #expect(!published.inline && published.offset == 0)
    }

    @Test func underFsyncAlwaysTheConfirmComesFromTheEndOfTheTurn() async throws {
        let fixture = try fixture(
            fsync: .always, BrokerConfiguration(tickIntervalMilliseconds: nil, inlineSyncMaxMicroseconds: 1_000_000))
        let blocks = NIOLockedValueBox<[@Sendable () -> Void]>([])
        let confirmed = NIOLockedValueBox<(thread: pthread_t, durable: Bool)?>(nil)
        fixture.broker.publish(
            topic: "t", messages: [PublishMessage(payload: ByteBuffer(string: "x"))],
            endOfTurn: { block in blocks.withLockedValue { $0.append(block) }; return true }
        ) { result in
            confirmed.withLockedValue { $0 = (pthread_self(), (try? result.get().durable) ?? false) }
        }
        #expect(confirmed.withLockedValue { $0 } == nil, "stored only when the turn ends")
        let taken = blocks.withLockedValue { $0 }
        #expect(taken.count == 1)
        for block in taken { block() }
        let outcome = confirmed.withLockedValue { $0 }
        #expect(outcome.map { pthread_equal($0.thread, pthread_self()) != 0 } == true)
        #expect(outcome?.durable == true, "confirmed after its fdatasync")
    }
}
