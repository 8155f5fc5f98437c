/// A security configuration that cannot be used (a malformed key, a hash that is not 64 hex digits, a file that
/// cannot be read), with a message naming the offending entry. Thrown at startup, never while serving.
public struct SecurityConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the entry.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
