import NIOHTTP1

/// The server's verdict on an HTTP request that asks for a WebSocket upgrade (RFC 6455 section 4.2.1), decided
/// before NIO's upgrader sees it, because NIO answers every invalid handshake the same way.
enum WebSocketHandshake: Equatable {
    /// Not a WebSocket upgrade request: plain HTTP.
    case notWebSocket
    /// A valid handshake at the WebSocket endpoint, with the negotiated subprotocol and whether the response must
    /// name it (only when the client offered subprotocols).
    case accept(WebSocketSubprotocol, announce: Bool)
    /// An invalid handshake: answer with this error and close.
    case reject(HTTPRouteError)

    /// The one path where WebSocket connections are accepted.
    static let path = "/v1/ws"

    static func evaluate(_ head: HTTPRequestHead) -> WebSocketHandshake {
        let upgrade = head.headers[canonicalForm: "upgrade"]
        guard upgrade.contains(where: { $0.lowercased() == "websocket" }) else { return .notWebSocket }
        guard Self.pathOf(head.uri) == Self.path else {
            return .reject(.notFound("no WebSocket endpoint at \(Self.pathOf(head.uri)); use \(Self.path)"))
        }
        guard head.method == .GET, head.version.major == 1, head.version.minor >= 1 else {
            return .reject(.badRequest("a WebSocket handshake is a GET request over HTTP/1.1"))
        }
        guard head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "upgrade" }) else {
            return .reject(.badRequest("missing 'Connection: Upgrade'"))
        }
        guard head.headers["sec-websocket-version"] == ["13"] else {
            return .reject(.upgradeRequired("unsupported Sec-WebSocket-Version; this server speaks 13"))
        }
        let keys = head.headers["sec-websocket-key"]
        guard keys.count == 1, Self.isValidKey(keys[0]) else {
            return .reject(.badRequest("missing or invalid Sec-WebSocket-Key"))
        }
        let offered = head.headers[canonicalForm: "sec-websocket-protocol"].map { String($0) }
        guard !offered.isEmpty else { return .accept(.json, announce: false) }
        for name in offered {
            if let chosen = WebSocketSubprotocol.supported.first(where: { $0.name == name }) {
                return .accept(chosen, announce: true)
            }
        }
        let names = WebSocketSubprotocol.supported.map(\.name).joined(separator: ", ")
        return .reject(.badRequest("none of the offered subprotocols is supported; offer one of: \(names)", code: "unsupported_subprotocol"))
    }

    /// A key is the base64 encoding of 16 bytes: 22 base64 characters and `==`.
    static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        return bytes[0..<22].allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                return true
            default:
                return false
            }
        }
    }

    static func pathOf(_ uri: String) -> String {
        String(uri.prefix { $0 != "?" && $0 != "#" })
    }
}
