/// A topic name or pattern as permissions use it: dot-separated tokens, where `*` stands for exactly one token and
/// `>` (last only) for one or more trailing tokens. `orders.*` matches `orders.created` but not `orders.eu.created`;
/// `orders.>` matches both, but not `orders` itself.
///
/// The same syntax as subscription patterns (Docs/protocol.md), parsed here on its own so that the security module
/// does not depend on the broker.
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible {
    /// One token of a filter.
    public enum Token: Sendable, Hashable {
        /// A literal token, e.g. `orders`.
        case literal(String)
        /// `*`: any one token.
        case one
        /// `>`: one or more tokens; only ever last.
        case rest
    }

    /// The tokens, in order; never empty, `.rest` only last.
    public let tokens: [Token]

    /// Parses `text`; nil when it breaks the rules: empty tokens, a character outside `[A-Za-z0-9_-]` in a literal
    /// token, `>` anywhere but last, `*` or `>` mixed with other characters in one token.
    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 1024 else { return nil }
        var tokens: [Token] = []
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            switch part {
            case "*": tokens.append(.one)
            case ">":
                guard index == parts.count - 1 else { return nil }
                tokens.append(.rest)
            default:
                guard !part.isEmpty, part.utf8.allSatisfy(Self.isNameByte) else { return nil }
                tokens.append(.literal(String(part)))
            }
        }
        self.tokens = tokens
    }

    /// A filter from tokens the caller guarantees are well formed (non-empty, `.rest` only last).
    init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// The filter as written.
    public var description: String {
        self.tokens.map { token in
            switch token {
            case .literal(let name): name
            case .one: "*"
            case .rest: ">"
            }
        }.joined(separator: ".")
    }

    /// Whether the filter has no wildcard: it names exactly one topic.
    public var isLiteral: Bool {
        self.tokens.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// Whether the concrete topic `name` (no wildcards) is matched by this filter.
    public func matches(topic name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        for (index, token) in self.tokens.enumerated() {
            switch token {
            case .rest: return parts.count > index
            case .one: guard index < parts.count, !parts[index].isEmpty else { return false }
            case .literal(let literal): guard index < parts.count, parts[index] == literal else { return false }
            }
        }
        return parts.count == self.tokens.count
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
