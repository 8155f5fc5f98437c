import RoostSecurity
import Testing

@Suite("Topic filters and pattern inclusion")
struct TopicFilterSetTests {
    private func set(_ filters: String...) throws -> TopicFilterSet {
        TopicFilterSet(try filters.map { try #require(TopicFilter($0)) })
    }

    private func pattern(_ text: String) throws -> TopicFilter {
        try #require(TopicFilter(text))
    }

    @Test func parsesAndRejects() {
        #expect(TopicFilter("orders.created")?.isLiteral == true)
        #expect(TopicFilter("orders.*")?.isLiteral == false)
        #expect(TopicFilter("orders.>")?.description == "orders.>")
        for bad in ["", ".", "a..b", "a.", ".a", ">.a", "a.>.b", "a*", "a.b>", "ä", "a b", "a/b"] {
            #expect(TopicFilter(bad) == nil, "\(bad)")
        }
    }

    @Test func matchesConcreteTopics() throws {
        let filter = try pattern("orders.*.created")
        #expect(filter.matches(topic: "orders.eu.created"))
        #expect(!filter.matches(topic: "orders.eu.updated"))
        #expect(!filter.matches(topic: "orders.created"))
        #expect(!filter.matches(topic: "orders.eu.created.x"))
        let rest = try pattern("orders.>")
        #expect(rest.matches(topic: "orders.a"))
        #expect(rest.matches(topic: "orders.a.b.c"))
        #expect(!rest.matches(topic: "orders"))
        #expect(!rest.matches(topic: "payments.a"))
        #expect(try pattern(">").matches(topic: "x"))
    }

    @Test func ordersGrantDoesNotReachOtherTopics() throws {
        let grant = try set("orders.>")
        #expect(grant.covers(try pattern("orders.>")))
        #expect(grant.covers(try pattern("orders.*")))
        #expect(grant.covers(try pattern("orders.eu.*.x")))
        #expect(grant.covers(try pattern("orders.created")))
        #expect(!grant.covers(try pattern(">")))
        #expect(!grant.covers(try pattern("*.>")))
        #expect(!grant.covers(try pattern("*.created")))
        #expect(!grant.covers(try pattern("payments.*")))
        #expect(!grant.covers(try pattern("orders")))
        #expect(!grant.coversEverything)
        #expect(grant.allows(topic: "orders.x"))
        #expect(!grant.allows(topic: "payments.x"))
    }

    @Test func singleTokenWildcardIsNarrowerThanRest() throws {
        let grant = try set("orders.*")
        #expect(grant.covers(try pattern("orders.*")))
        #expect(grant.covers(try pattern("orders.a")))
        #expect(!grant.covers(try pattern("orders.>")))
        #expect(!grant.covers(try pattern("orders.a.b")))
        #expect(!grant.covers(try pattern("*.a")))
    }

    @Test func literalsNeverCoverAWildcard() throws {
        let grant = try set("orders.a", "orders.b", "orders.c")
        #expect(grant.covers(try pattern("orders.b")))
        #expect(!grant.covers(try pattern("orders.*")))
        #expect(!grant.covers(try pattern("orders.>")))
    }

    @Test func unionOfFiltersCovers() throws {
        let grant = try set("orders.*", "orders.*.>")
        #expect(grant.covers(try pattern("orders.>")))
        #expect(!grant.covers(try pattern(">")))
        let deep = try set("a.*", "a.*.*", "a.*.*.>")
        #expect(deep.covers(try pattern("a.>")))
        let gap = try set("a.*", "a.*.*.>")
        #expect(!gap.covers(try pattern("a.>")), "a.x.y is not covered")
        #expect(gap.covers(try pattern("a.*.*.*")))
        #expect(try set("*", "*.>").coversEverything)
        #expect(try !set("*", "*.>").allowsEverything, "covers, but is not the `>` shortcut")
        #expect(try set(">").allowsEverything)
        #expect(!TopicFilterSet.none.covers(try pattern("a")))
        #expect(TopicFilterSet.all.allowsEverything && TopicFilterSet.all.coversEverything)
    }

    @Test func wildcardInTheMiddle() throws {
        let grant = try set("*.created")
        #expect(grant.covers(try pattern("orders.created")))
        #expect(grant.covers(try pattern("*.created")))
        #expect(!grant.covers(try pattern("*.*")))
        #expect(!grant.covers(try pattern("orders.>")))
        let mixed = try set("orders.eu.>", "orders.*.created")
        #expect(mixed.covers(try pattern("orders.eu.*")))
        #expect(mixed.covers(try pattern("orders.us.created")))
        #expect(!mixed.covers(try pattern("orders.*.*")))
    }

    /// Brute force over a small universe: a pattern is covered exactly when every topic of up to four tokens over
    /// {a, b, z} that it matches is matched by one of the filters (`z` stands for "a token no filter names").
    @Test func agreesWithBruteForce() throws {
        let words = ["a", "b", "*", ">"]
        var patterns: [TopicFilter] = []
        func grow(_ prefix: [String]) {
            if !prefix.isEmpty, let filter = TopicFilter(prefix.joined(separator: ".")) { patterns.append(filter) }
            guard prefix.count < 3, prefix.last != ">" else { return }
            for word in words { grow(prefix + [word]) }
        }
        grow([])
        var topics: [String] = []
        func topicsOf(_ prefix: [String]) {
            if !prefix.isEmpty { topics.append(prefix.joined(separator: ".")) }
            guard prefix.count < 4 else { return }
            for word in ["a", "b", "z"] { topicsOf(prefix + [word]) }
        }
        topicsOf([])
        var generator = SplitMix(seed: 7)
        for _ in 0..<150 {
            let count = Int(generator.next() % 3) + 1
            let grant = TopicFilterSet((0..<count).map { _ in patterns[Int(generator.next() % UInt64(patterns.count))] })
            for candidate in patterns where candidate.tokens.count <= 3 {
                let matched = topics.filter { candidate.matches(topic: $0) }
                // Topics longer than the universe allow only matter for `>`; the universe reaches one token past
                // every filter, which is enough to tell `a.>` from `a.*.*`.
                let expected = matched.allSatisfy { grant.allows(topic: $0) }
                #expect(grant.covers(candidate) == expected, "\(grant.filters) covers \(candidate)")
            }
        }
    }
}

/// A tiny deterministic generator so the brute-force test is repeatable.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
