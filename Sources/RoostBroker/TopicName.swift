/// Topic name and pattern rules.
///
/// A topic name is 1 to `maxLength` bytes of dot-separated, non-empty tokens of `[A-Za-z0-9_-]`
/// (`orders.eu.created`). Names starting with `$` are system topics that only the broker creates:
/// dead-letter topics are `$dlq.<consumer>`. A pattern is a name whose tokens may also be `*` (exactly one
/// token) or, as the last token only, `>` (one or more trailing tokens).
public enum TopicName {
    /// Longest topic name, bytes. 249 as Kafka, so names fit file names with room for suffixes.
    public static let maxLength = 249
    /// Prefix of system topics.
    public static let systemPrefix = "$"
    /// Prefix of dead-letter topics: `$dlq.<consumer>`.
    public static let deadLetterPrefix = "$dlq."

    /// The dead-letter topic of a durable consumer.
    public static func deadLetterTopic(forConsumer consumer: String) -> String { deadLetterPrefix + consumer }

    /// Whether `name` is a system topic (`$...`).
    public static func isSystem(_ name: String) -> Bool { name.utf8.first == UInt8(ascii: "$") }

    /// Throws `invalidTopicName` unless `name` follows the rules; a `$` first byte is allowed only when
    /// `allowSystem` (the broker's own topics). Users get `reservedTopicName` for `$` names.
    public static func validate(_ name: String, allowSystem: Bool = false) throws(BrokerError) {
        var bytes = Substring(name).utf8[...]
        if isSystem(name) {
            if !allowSystem { throw BrokerError(code: .reservedTopicName, message: "topic names starting with '$' are reserved") }
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty, name.utf8.count <= maxLength else {
            throw BrokerError(code: .invalidTopicName, message: "topic name must be 1...\(maxLength) bytes")
        }
        var tokenLength = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                if tokenLength == 0 { throw BrokerError(code: .invalidTopicName, message: "empty token in topic name '\(name)'") }
                tokenLength = 0
            } else if isTokenByte(byte) {
                tokenLength += 1
            } else {
                throw BrokerError(code: .invalidTopicName, message: "invalid character in topic name '\(name)'")
            }
        }
        if tokenLength == 0 { throw BrokerError(code: .invalidTopicName, message: "empty token in topic name '\(name)'") }
    }

    /// Whether `filter` uses wildcards (and so is a pattern rather than a name).
    public static func isPattern(_ filter: String) -> Bool {
        tokens(filter).contains { $0 == "*" || $0 == ">" }
    }

    /// Throws `invalidPattern` unless `pattern` is a valid name or pattern.
    public static func validatePattern(_ pattern: String) throws(BrokerError) {
        let parts = tokens(pattern)
        guard !pattern.isEmpty, pattern.utf8.count <= maxLength else {
            throw BrokerError(code: .invalidPattern, message: "pattern must be 1...\(maxLength) bytes")
        }
        for (index, token) in parts.enumerated() {
            if token == "*" { continue }
            if token == ">" {
                if index != parts.count - 1 { throw BrokerError(code: .invalidPattern, message: "'>' must be the last token of '\(pattern)'") }
                continue
            }
            var utf8 = token.utf8[...]
            if index == 0, utf8.first == UInt8(ascii: "$") { utf8 = utf8.dropFirst() }
            if utf8.isEmpty || !utf8.allSatisfy(isTokenByte) {
                throw BrokerError(code: .invalidPattern, message: "invalid token '\(token)' in pattern '\(pattern)'")
            }
        }
    }

    /// Whether `name` matches `pattern` (used for a single check; many patterns go through `TopicPatternTrie`).
    /// A wildcard in the first token never matches a system (`$`) topic.
    public static func matches(_ name: String, pattern: String) -> Bool {
        let nameTokens = tokens(name)
        let patternTokens = tokens(pattern)
        if isSystem(name), let first = patternTokens.first, first != nameTokens.first { return false }
        for (index, token) in patternTokens.enumerated() {
            if token == ">" { return nameTokens.count > index }
            guard index < nameTokens.count, token == "*" || token == nameTokens[index] else { return false }
        }
        return nameTokens.count == patternTokens.count
    }

    /// Longest consumer name, bytes.
    public static let maxConsumerNameLength = 128

    /// Throws `invalidConsumerName` unless `name` is 1...128 bytes of `[A-Za-z0-9_.-]`.
    public static func validateConsumerName(_ name: String) throws(BrokerError) {
        guard !name.isEmpty, name.utf8.count <= maxConsumerNameLength,
              name.utf8.allSatisfy({ isTokenByte($0) || $0 == UInt8(ascii: ".") }),
              name != ".", name != ".."
        else {
            throw BrokerError(code: .invalidConsumerName, message: "consumer names are 1...\(maxConsumerNameLength) bytes of [A-Za-z0-9_.-]")
        }
    }

    static func tokens(_ name: String) -> [Substring] {
        name.split(separator: ".", omittingEmptySubsequences: false)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
