/// A pattern over durable consumer names: literal characters, and `*` for any run of characters (possibly empty).
/// `billing-*` allows `billing-eu` and `billing-`; `*` allows every name.
public struct ConsumerNamePattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let description: String
    private let parts: [Substring]

    /// Parses `text`; nil when empty or longer than 256 bytes.
    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 256 else { return nil }
        self.description = text
        self.parts = text.split(separator: "*", omittingEmptySubsequences: false)
    }

    /// Whether `name` matches: the literal parts appear in order, the first at the start and the last at the end.
    public func matches(_ name: String) -> Bool {
        guard self.parts.count > 1 else { return name == self.description }
        var rest = Substring(name)
        guard let first = self.parts.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for middle in self.parts.dropFirst().dropLast() where !middle.isEmpty {
            guard let range = rest.firstRange(of: middle) else { return false }
            rest = rest[range.upperBound...]
        }
        guard let last = self.parts.last else { return true }
        return rest.hasSuffix(last)
    }
}
