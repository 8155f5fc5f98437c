/// A set of topic filters granted for one action (publish, subscribe or admin), and the two questions asked of it:
/// may this one topic be touched, and may this pattern be subscribed to.
///
/// A pattern is allowed only if **every** topic it can match is allowed, so a grant of `orders.>` does not let
/// anyone subscribe to `>` or `payments.*`, and the union of the filters counts: `orders.*` together with
/// `orders.*.>` covers `orders.>`.
public struct TopicFilterSet: Sendable, Hashable {
    /// The granted filters.
    public let filters: [TopicFilter]

    /// Whether one filter is `>`: every check then passes without looking at the topic (the common case of an
    /// unrestricted principal, on the publish hot path).
    public let allowsEverything: Bool

    /// Grants `filters`; an empty set allows nothing.
    public init(_ filters: [TopicFilter] = []) {
        self.filters = filters
        self.allowsEverything = filters.contains { $0.tokens == [.rest] }
    }

    /// Nothing allowed.
    public static let none = TopicFilterSet()

    /// Everything allowed (`>`).
    public static let all = TopicFilterSet([TopicFilter(tokens: [.rest])])

    /// Whether the concrete topic `name` is matched by one of the filters.
    public func allows(topic name: String) -> Bool {
        self.allowsEverything || self.filters.contains { $0.matches(topic: name) }
    }

    /// Whether every topic that `pattern` can match is matched by one of the filters (pattern inclusion).
    public func covers(_ pattern: TopicFilter) -> Bool {
        self.allowsEverything || Self.covers(self.filters.map { $0.tokens[...] }, pattern.tokens[...])
    }

    /// Whether the filters together allow every topic (they cover `>`, e.g. `*` with `*.>`): what admin calls about
    /// the whole broker require.
    public var coversEverything: Bool {
        self.covers(TopicFilter(tokens: [.rest]))
    }

    /// Inclusion, token by token. `candidates` are the remaining tokens of the filters still matching the prefix
    /// of the pattern consumed so far; `pattern` is what is left of the pattern.
    ///
    /// - A literal token in the pattern keeps the filters whose token is the same literal or `*`.
    /// - `*` in the pattern keeps only filters with `*` there: a literal cannot cover every token, and a token
    ///   named by no filter at all is one that only wildcard filters match, so dropping the literal filters loses
    ///   nothing.
    /// - `>` in the pattern means "one token, then either the end or one or more tokens": it is covered when
    ///   both `*` and `*.>` are covered. The recursion ends because each step consumes a token of every finite
    ///   candidate filter, and a filter set that runs out of tokens without `>` cannot cover `*.>`.
    /// - A filter with `>` at the current position covers whatever non-empty rest the pattern has.
    private static func covers(_ candidates: [ArraySlice<TopicFilter.Token>], _ pattern: ArraySlice<TopicFilter.Token>) -> Bool {
        guard let head = pattern.first else {
            return candidates.contains { $0.isEmpty }
        }
        var next: [ArraySlice<TopicFilter.Token>] = []
        for filter in candidates {
            guard let token = filter.first else { continue }
            switch (token, head) {
            case (.rest, _): return true
            case (.one, _): next.append(filter.dropFirst())
            case (.literal(let granted), .literal(let wanted)) where granted == wanted: next.append(filter.dropFirst())
            case (.literal, _): continue
            }
        }
        if case .rest = head {
            return Self.covers(next, []) && Self.covers(next, [.rest])
        }
        return Self.covers(next, pattern.dropFirst())
    }
}
