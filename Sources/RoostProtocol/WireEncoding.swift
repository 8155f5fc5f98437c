/// The two encodings of wire protocol v1, chosen per connection by WebSocket subprotocol negotiation.
public enum WireEncoding: Sendable, Hashable, CaseIterable {
    /// JSON in text frames, subprotocol `roost.v1.json`; also what a client that offers no subprotocol gets.
    case json
    /// The compact binary layout in binary frames, subprotocol `roost.v1.binary`.
    case binary

    /// The `Sec-WebSocket-Protocol` token.
    public var subprotocol: String {
        switch self {
        case .json: "roost.v1.json"
        case .binary: "roost.v1.binary"
        }
    }

    /// A codec for this encoding with default settings.
    public var codec: any FrameCodec {
        switch self {
        case .json: JSONFrameCodec()
        case .binary: BinaryFrameCodec()
        }
    }

    /// Picks the encoding for a handshake from the client's offered subprotocols (in its order of
    /// preference). `selected` is the token to echo in `Sec-WebSocket-Protocol`, `nil` for none.
    ///
    /// - No offer: JSON, no header (a browser's `new WebSocket(url)` just works).
    /// - An offer naming one of ours: the first such, echoed.
    /// - Offers, none ours: JSON and no header; RFC 6455 clients then fail the connection themselves,
    ///   which is the right outcome for a client that insisted on something else.
    public static func negotiate(offered: [String]) -> (encoding: WireEncoding, selected: String?) {
        for token in offered {
            let trimmed = token.trimmingASCIISpaces
            if let encoding = WireEncoding.allCases.first(where: { $0.subprotocol == trimmed }) {
                return (encoding, encoding.subprotocol)
            }
        }
        return (.json, nil)
    }

    /// Splits a raw `Sec-WebSocket-Protocol` header value (`"a, b"`) into tokens.
    public static func offeredSubprotocols(headerValue: String) -> [String] {
        headerValue.split(separator: ",").map { String($0).trimmingASCIISpaces }.filter { !$0.isEmpty }
    }
}

extension String {
    fileprivate var trimmingASCIISpaces: String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
