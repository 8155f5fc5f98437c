/// A negotiated WebSocket subprotocol: which encoding of the Roost wire protocol a session speaks.
///
/// An open vocabulary (a struct over its name) so a later version can add encodings without breaking users.
public struct WebSocketSubprotocol: Hashable, Sendable, CustomStringConvertible {
    /// The token exchanged in `Sec-WebSocket-Protocol`.
    public let name: String

    /// Whether messages of this encoding travel in text frames (otherwise binary frames).
    public let usesTextFrames: Bool

    /// Creates a subprotocol value.
    public init(name: String, usesTextFrames: Bool) {
        self.name = name
        self.usesTextFrames = usesTextFrames
    }

    /// JSON encoding in text frames; also what a client that offers no subprotocol gets.
    public static let json = WebSocketSubprotocol(name: "roost.v1.json", usesTextFrames: true)

    /// Binary encoding in binary frames.
    public static let binary = WebSocketSubprotocol(name: "roost.v1.binary", usesTextFrames: false)

    /// The subprotocols the server accepts, in no particular order (the client's preference decides).
    public static let supported: [WebSocketSubprotocol] = [.json, .binary]

    /// The name, as sent on the wire.
    public var description: String { self.name }
}
