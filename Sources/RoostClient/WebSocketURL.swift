/// A parsed `ws://host[:port][/path]` or `wss://host[:port][/path]` URL. The path defaults to `/v1/ws`, the port to
/// 80 (`ws`) or 443 (`wss`).
struct WebSocketURL: Sendable, Hashable {
    var host: String
    var port: Int
    var path: String
    var isTLS: Bool

    init(_ string: String) throws(RoostClientError) {
        let isTLS: Bool
        var rest: Substring
        if string.hasPrefix("ws://") {
            isTLS = false
            rest = string.dropFirst(5)
        } else if string.hasPrefix("wss://") {
            isTLS = true
            rest = string.dropFirst(6)
        } else {
            throw .invalidURL(string, "expected a ws:// or wss:// URL")
        }
        var path = "/v1/ws"
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        var host = rest
        var port = isTLS ? 443 : 80
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL(string, "unterminated IPv6 address") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw .invalidURL(string, "bad port") }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                throw .invalidURL(string, "bad port")
            }
            port = p
        }
        guard !host.isEmpty else { throw .invalidURL(string, "missing host") }
        self.host = String(host)
        self.port = port
        self.path = path.isEmpty ? "/" : path
        self.isTLS = isTLS
    }

    /// The `Host` header value.
    var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? h : "\(h):\(port)"
    }
}
