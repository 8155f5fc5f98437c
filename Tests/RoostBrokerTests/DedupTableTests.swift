import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import RoostBroker

/// The dedup table alone: claims, waiting duplicates, eviction, rebuild input.
struct DedupTableTests {
    private func join(_ count: Int, _ done: @escaping @Sendable (Result<PublishConfirm, BrokerError>) -> Void = { _ in }) -> PublishJoin {
        PublishJoin(topic: "t", count: count, completion: done)
    }

    @Test func freshClaimsAllocateNoClaimsAndNoJoin() {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 10)
        var joins = 0
        let claims = table.claim([DedupKey("a"), nil, DedupKey("b")], now: 0) { joins += 1; return join(3) }
        #expect(claims == nil && joins == 0)
        #expect(table.resolve([DedupKey("a"), nil, DedupKey("b")], baseOffset: 10, timestamp: 5).isEmpty)
        let again = table.claim([DedupKey("b"), DedupKey("c")], now: 1) { join(2) }
        guard case .duplicate(let original) = again?[0], case .fresh = again?[1] else {
            Issue.record("expected [duplicate, fresh], got \(String(describing: again))")
            return
        }
        #expect(original == PublishedMessage(offset: 12, timestamp: 5, duplicate: true))
    }

    @Test func aDuplicateOfAPendingIdWaitsAndIsToldTheOriginalOffset() throws {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 10)
        #expect(table.claim([DedupKey("a")], now: 0) { join(1) } == nil)
        let outcome = NIOLockedValueBox<Result<PublishConfirm, BrokerError>?>(nil)
        let waiting = join(1) { result in outcome.withLockedValue { $0 = result } }
        let claims = table.claim([DedupKey("a")], now: 0) { waiting }
        guard case .waiting = claims?[0] else {
            Issue.record("expected waiting, got \(String(describing: claims))")
            return
        }
        let waiters = table.resolve([DedupKey("a")], baseOffset: 7, timestamp: 3)
        #expect(waiters.count == 1 && waiters.first?.0.index == 0)
        for (waiter, result) in waiters { waiter.join.set(waiter.index, .success(result)) }
        #expect(try outcome.withLockedValue { try $0?.get() }?.messages == [PublishedMessage(offset: 7, timestamp: 3, duplicate: true)])
    }

    @Test func anAbandonedIdIsFreshAgainAndItsWaitersFail() {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 10)
        _ = table.claim([DedupKey("a")], now: 0) { join(1) }
        _ = table.claim([DedupKey("a")], now: 0) { join(1) }
        #expect(table.abandon([DedupKey("a")]).count == 1)
        #expect(table.claim([DedupKey("a")], now: 0) { join(1) } == nil)
    }

    @Test func anIdStoredTwiceInTheLogIsRememberedWithItsLatestOffset() {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 2)
        // Rebuilt from a log where "a" was published again after leaving the window; the count limit evicts
        // the first "a" on load, which must not forget the second.
        table.load([("a", 0, 100), ("b", 1, 100), ("a", 2, 100)], now: 100)
        #expect(table.count == 2)
        guard case .duplicate(let original) = table.claim([DedupKey("a")], now: 100, join: { join(1) })?[0] else {
            Issue.record("expected a duplicate")
            return
        }
        #expect(original.offset == 2)
    }

    @Test func keysCompareByTheIdNotOnlyTheHash() {
        #expect(DedupKey("order-17") == DedupKey("order-17"))
        #expect(DedupKey("order-17") != DedupKey("order-71"))
        #expect(DedupKey("é") == DedupKey("é"))
        // Past the 32 inline bytes the rest of the id still counts.
        let long = String(repeating: "x", count: 40)
        #expect(DedupKey(long + "a") == DedupKey(long + "a") && DedupKey(long + "a") != DedupKey(long + "b"))
        #expect(DedupKey("") != DedupKey("\u{0}"), "the length counts, not only the zero-padded bytes")
    }
}

extension DedupTable.Claim: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.fresh, .fresh), (.waiting, .waiting): true
        case (.duplicate(let a), .duplicate(let b)): a == b
        default: false
        }
    }
}
