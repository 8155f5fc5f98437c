/// A message header: a string name and a string value. Frames keep headers in order; names may repeat.
public struct Header: Hashable, Sendable {
    /// The header name.
    public var name: String
    /// The header value.
    public var value: String

    /// Creates a header.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
