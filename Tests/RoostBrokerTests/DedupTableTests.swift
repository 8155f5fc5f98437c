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
        let claimed = table.claim([DedupKey("a"), nil, DedupKey("b")], now: 0) { joins += 1; return join(3) }
        #expect(claimed.claims == nil && joins == 0)
        #expect(table.resolve([DedupKey("a"), nil, DedupKey("b")], ticket: claimed.ticket, baseOffset: 10, timestamp: 5).isEmpty)
        let again = table.claim([DedupKey("b"), DedupKey("c")], now: 1) { join(2) }.claims
        guard case .duplicate(let original) = again?[0], case .fresh = again?[1] else {
            Issue.record("expected [duplicate, fresh], got \(String(describing: again))")
            return
        }
        #expect(original == PublishedMessage(offset: 12, timestamp: 5, duplicate: true))
    }

    @Test func aDuplicateOfAPendingIdWaitsAndIsToldTheOriginalOffset() throws {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 10)
        let first = table.claim([DedupKey("a")], now: 0) { join(1) }
        #expect(first.claims == nil)
        let outcome = NIOLockedValueBox<Result<PublishConfirm, BrokerError>?>(nil)
        let waiting = join(1) { result in outcome.withLockedValue { $0 = result } }
        let claims = table.claim([DedupKey("a")], now: 0) { waiting }.claims
        guard case .waiting = claims?[0] else {
            Issue.record("expected waiting, got \(String(describing: claims))")
            return
        }
        let waiters = table.resolve([DedupKey("a")], ticket: first.ticket, baseOffset: 7, timestamp: 3)
        #expect(waiters.count == 1 && waiters.first?.0.index == 0)
        for (waiter, result) in waiters { waiter.join.set(waiter.index, .success(result)) }
        #expect(try outcome.withLockedValue { try $0?.get() }?.messages == [PublishedMessage(offset: 7, timestamp: 3, duplicate: true)])
    }

    @Test func anAbandonedIdIsFreshAgainAndItsWaitersFail() {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 10)
        let first = table.claim([DedupKey("a")], now: 0) { join(1) }
        _ = table.claim([DedupKey("a")], now: 0) { join(1) }
        #expect(table.abandon([DedupKey("a")], ticket: first.ticket).count == 1)
        #expect(table.count == 0)
        #expect(table.claim([DedupKey("a")], now: 0) { join(1) }.claims == nil)
    }

    @Test func anIdStoredTwiceInTheLogIsRememberedWithItsLatestOffset() {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 2)
        // Rebuilt from a log where "a" was published again after leaving the window; the count limit evicts
        // the first "a" on load, which must not forget the second.
        table.load([("a", 0, 100), ("b", 1, 100), ("a", 2, 100)], now: 100)
        #expect(table.count == 2)
        guard case .duplicate(let original) = table.claim([DedupKey("a")], now: 100, join: { join(1) }).claims?[0] else {
            Issue.record("expected a duplicate")
            return
        }
        #expect(original.offset == 2)
    }

    @Test func idsLeaveByCountOldestFirstButNotWhileTheirAppendRuns() {
        let table = DedupTable(windowMilliseconds: 1_000_000, maxEntries: 100)
        let slow = table.claim([DedupKey("slow")], now: 0) { join(1) }
        // 1,000 ids stored after "slow" was claimed: the count limit cannot pass the pending "slow".
        for id in 0..<1_000 {
            let key = DedupKey("id-\(id)")
            let claimed = table.claim([key], now: 0) { join(1) }
            #expect(claimed.claims == nil)
            _ = table.resolve([key], ticket: claimed.ticket, baseOffset: Int64(id), timestamp: 0)
        }
        #expect(table.count == 1_001)
        #expect(isDuplicate(table, "id-0", now: 0) == 0)
        _ = table.resolve([DedupKey("slow")], ticket: slow.ticket, baseOffset: 5_000, timestamp: 0)
        // Resolving the oldest lets the limit apply on the next claim: only id-900 ..< id-1000 stay.
        #expect(isDuplicate(table, "slow", now: 0) == nil, "evicted: fresh again (and now the newest)")
        #expect(table.count == 101)
        for id in 901..<1_000 { #expect(isDuplicate(table, "id-\(id)", now: 0) == Int64(id)) }
        #expect(isDuplicate(table, "id-850", now: 0) == nil)
    }

    @Test func idsLeaveByTime() {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 100)
        for (id, time) in [("a", Int64(0)), ("b", 500), ("c", 900)] {
            let claimed = table.claim([DedupKey(id)], now: time) { join(1) }
            _ = table.resolve([DedupKey(id)], ticket: claimed.ticket, baseOffset: time, timestamp: time)
        }
        #expect(isDuplicate(table, "a", now: 1_000) == 0)
        #expect(isDuplicate(table, "a", now: 1_001) == nil, "older than the window: fresh (and now claimed)")
        #expect(isDuplicate(table, "b", now: 1_001) == 500)
        #expect(isDuplicate(table, "c", now: 1_901) == nil && isDuplicate(table, "b", now: 1_901) == nil)
    }

    @Test func aBatchWithDuplicatesResolvesItsFreshIdsInOrder() {
        let table = DedupTable(windowMilliseconds: 1_000, maxEntries: 100)
        let first = table.claim([DedupKey("a")], now: 0) { join(1) }
        _ = table.resolve([DedupKey("a")], ticket: first.ticket, baseOffset: 0, timestamp: 0)
        let keys: [DedupKey?] = [DedupKey("b"), DedupKey("a"), nil, DedupKey("c")]
        let claimed = table.claim(keys, now: 0) { join(4) }
        #expect(claimed.claims == [.fresh, .duplicate(PublishedMessage(offset: 0, timestamp: 0, duplicate: true)), .fresh, .fresh])
        // The broker appends b, nil, c at 10, 11, 12.
        _ = table.resolve([DedupKey("b"), nil, DedupKey("c")], ticket: claimed.ticket, baseOffset: 10, timestamp: 1)
        #expect(isDuplicate(table, "b", now: 0) == 10 && isDuplicate(table, "c", now: 0) == 12)
    }

    /// The original offset if `id` is a duplicate; `nil` if it was fresh (it is then resolved at offset -100).
    private func isDuplicate(_ table: DedupTable, _ id: String, now: Int64) -> Int64? {
        let claimed = table.claim([DedupKey(id)], now: now) { join(1) }
        guard let claims = claimed.claims else {
            _ = table.resolve([DedupKey(id)], ticket: claimed.ticket, baseOffset: -100, timestamp: now)
            return nil
        }
        guard case .duplicate(let original) = claims[0] else { return nil }
        return original.offset
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
