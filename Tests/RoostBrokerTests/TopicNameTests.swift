@testable import RoostBroker
import Testing

@Suite struct TopicNameTests {
    @Test(arguments: ["orders", "orders.eu.created", "a-b_c.D9", String(repeating: "x", count: TopicName.maxLength)])
    func acceptsValidNames(_ name: String) throws {
        try TopicName.validate(name)
    }

    @Test(arguments: ["", ".", "orders.", ".orders", "orders..x", "orders.*", "orders.>", "ord ers", "örders",
                      String(repeating: "x", count: TopicName.maxLength + 1)])
    func rejectsInvalidNames(_ name: String) {
        #expect(throws: BrokerError.self) { try TopicName.validate(name) }
        #expect((try? TopicName.validate(name)) == nil)
    }

    @Test func systemNamesAreReservedForTheBroker() throws {
        do {
            try TopicName.validate("$dlq.billing")
            Issue.record("a $ name was accepted")
        } catch {
            #expect(error.code == .reservedTopicName)
        }
        try TopicName.validate("$dlq.billing", allowSystem: true)
        #expect(TopicName.deadLetterTopic(forConsumer: "billing") == "$dlq.billing")
    }

    @Test func patternsMatchTokens() {
        #expect(TopicName.matches("orders.created", pattern: "orders.*"))
        #expect(!TopicName.matches("orders.eu.created", pattern: "orders.*"))
        #expect(!TopicName.matches("orders", pattern: "orders.*"))
        #expect(TopicName.matches("orders.eu.created", pattern: "orders.>"))
        #expect(TopicName.matches("orders.x", pattern: "orders.>"))
        #expect(!TopicName.matches("orders", pattern: "orders.>"))
        #expect(TopicName.matches("a.b.c", pattern: "*.b.*"))
        #expect(TopicName.matches("orders", pattern: "orders"))
        #expect(!TopicName.matches("$dlq.x", pattern: ">"))
        #expect(TopicName.matches("$dlq.x", pattern: "$dlq.*"))
    }

    @Test(arguments: ["orders.>.x", "orders..x", "", "orders.a b", ">.x"])
    func rejectsInvalidPatterns(_ pattern: String) {
        #expect(throws: BrokerError.self) { try TopicName.validatePattern(pattern) }
    }

    @Test func trieAgreesWithTheMatcher() {
        let patterns = ["orders.*", "orders.>", "orders.eu.created", "*.eu.*", ">", "*", "payments.*", "$dlq.*", "*.*.created"]
        var trie = TopicPatternTrie<String>()
        for pattern in patterns { trie.insert(pattern, pattern: pattern) }
        let names = ["orders", "orders.created", "orders.eu.created", "payments.eu.settled", "x", "$dlq.billing", "a.b.created"]
        for name in names {
            let expected = Set(patterns.filter { TopicName.matches(name, pattern: $0) })
            #expect(trie.match(name) == expected, "\(name)")
        }
        trie.remove("orders.>", pattern: "orders.>")
        trie.remove(">", pattern: ">")
        #expect(trie.match("orders.eu.created") == ["orders.eu.created", "*.eu.*", "*.*.created"])
    }
}
