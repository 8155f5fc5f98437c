import NIOCore
import NIOHTTP1

/// A request as a route handler sees it: the head, the whole body (bounded by
/// ``ServerConfiguration/maxHTTPBodySize``), and the parts of the path the route's pattern captured.
public struct HTTPRouteRequest: Sendable {
    /// Method, URI, version and headers as received.
    public var head: HTTPRequestHead
    /// The request body; empty when there was none.
    public var body: ByteBuffer
    /// Values of the pattern's `:name` and `*name` segments, by name.
    public var parameters: [String: String]
    /// Query string items (`?a=1&b`) as given, without percent-decoding; a key without `=` maps to "".
    public var query: [String: String]

    /// The path part of the URI.
    public var path: String { WebSocketHandshake.pathOf(self.head.uri) }

    /// Creates a request value (the server does this; tests of route handlers may too).
    public init(head: HTTPRequestHead, body: ByteBuffer, parameters: [String: String] = [:]) {
        self.head = head
        self.body = body
        self.parameters = parameters
        var query: [String: String] = [:]
        if let mark = head.uri.firstIndex(of: "?") {
            for item in head.uri[head.uri.index(after: mark)...].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
            }
        }
        self.query = query
    }
}

/// What a route handler answers: status, headers and a body. `Content-Length` and `Connection` are set by the
/// server.
public struct HTTPRouteResponse: Sendable {
    /// The status line's status.
    public var status: HTTPResponseStatus
    /// Response headers, `Content-Type` included.
    public var headers: HTTPHeaders
    /// The response body.
    public var body: ByteBuffer

    /// Creates a response.
    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: HTTPResponseStatus = .ok) -> HTTPRouteResponse {
        HTTPRouteResponse(
            status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: ByteBuffer(string: text))
    }

    /// An `application/json` response from an already encoded JSON document.
    public static func json(_ body: ByteBuffer, status: HTTPResponseStatus = .ok) -> HTTPRouteResponse {
        HTTPRouteResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }
}

/// An HTTP error a route handler can throw: the server answers with `status` and the body
/// `{"error":{"code":"<code>","message":"<message>"}}`. Any other thrown error becomes 500 `internal_error`.
public struct HTTPRouteError: Error, Sendable, Equatable {
    /// The response status.
    public var status: HTTPResponseStatus
    /// A stable machine-readable code (`not_found`, `bad_request`, ...).
    public var code: String
    /// A human explanation.
    public var message: String
    /// Extra response headers (for example `Allow` on 405).
    public var headers: HTTPHeaders

    /// Creates an error response.
    public init(status: HTTPResponseStatus, code: String, message: String, headers: HTTPHeaders = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// 400 with `bad_request` (or the given code).
    public static func badRequest(_ message: String, code: String = "bad_request") -> HTTPRouteError {
        HTTPRouteError(status: .badRequest, code: code, message: message)
    }

    /// 404 `not_found`.
    public static func notFound(_ message: String) -> HTTPRouteError {
        HTTPRouteError(status: .notFound, code: "not_found", message: message)
    }

    /// 405 `method_not_allowed` with the `Allow` header.
    public static func methodNotAllowed(_ message: String, allowed: [HTTPMethod]) -> HTTPRouteError {
        HTTPRouteError(
            status: .methodNotAllowed, code: "method_not_allowed", message: message,
            headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
    }

    /// 413 `payload_too_large`.
    public static func payloadTooLarge(_ message: String) -> HTTPRouteError {
        HTTPRouteError(status: .payloadTooLarge, code: "payload_too_large", message: message)
    }

    /// 426 `upgrade_required` with `Sec-WebSocket-Version: 13`, the version this server speaks.
    public static func upgradeRequired(_ message: String) -> HTTPRouteError {
        HTTPRouteError(
            status: .upgradeRequired, code: "upgrade_required", message: message,
            headers: ["Sec-WebSocket-Version": "13"])
    }

    /// 503 `unavailable`.
    public static func unavailable(_ message: String) -> HTTPRouteError {
        HTTPRouteError(status: .serviceUnavailable, code: "unavailable", message: message)
    }

    /// 500 `internal_error`.
    public static func internalError(_ message: String) -> HTTPRouteError {
        HTTPRouteError(status: .internalServerError, code: "internal_error", message: message)
    }

    /// The JSON error response.
    public var response: HTTPRouteResponse {
        var body = ByteBuffer()
        body.writeString(#"{"error":{"code":"#)
        body.writeJSONString(self.code)
        body.writeString(#","message":"#)
        body.writeJSONString(self.message)
        body.writeString("}}")
        var response = HTTPRouteResponse.json(body, status: self.status)
        response.headers.add(contentsOf: self.headers)
        return response
    }
}

extension ByteBuffer {
    /// Writes `string` as a JSON string literal, quotes included.
    mutating func writeJSONString(_ string: String) {
        self.writeInteger(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): self.writeString("\\\"")
            case UInt8(ascii: "\\"): self.writeString("\\\\")
            case 0x0A: self.writeString("\\n")
            case 0x0D: self.writeString("\\r")
            case 0x09: self.writeString("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                self.writeString("\\u00")
                self.writeInteger(hex[Int(byte >> 4)])
                self.writeInteger(hex[Int(byte & 0x0F)])
            default: self.writeInteger(byte)
            }
        }
        self.writeInteger(UInt8(ascii: "\""))
    }
}
