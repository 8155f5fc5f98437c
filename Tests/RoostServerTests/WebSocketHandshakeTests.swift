import NIOHTTP1
import Testing

@testable import RoostServer

@Suite struct WebSocketHandshakeTests {
    private func head(
        path: String = "/v1/ws", key: String? = "dGhlIHNhbXBsZSBub25jZQ==", version: String = "13",
        protocols: String? = nil
    ) -> HTTPRequestHead {
        var headers: HTTPHeaders = ["Host": "x", "Upgrade": "websocket", "Connection": "keep-alive, Upgrade"]
        if let key { headers.add(name: "Sec-WebSocket-Key", value: key) }
        headers.add(name: "Sec-WebSocket-Version", value: version)
        if let protocols { headers.add(name: "Sec-WebSocket-Protocol", value: protocols) }
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
    }

    private func status(_ verdict: WebSocketHandshake) -> HTTPResponseStatus? {
        if case .reject(let error) = verdict { return error.status }
        return nil
    }

    @Test func plainRequestsAreNotHandshakes() {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/healthz")
        #expect(WebSocketHandshake.evaluate(head) == .notWebSocket)
    }

    @Test func negotiatesSubprotocolsInTheClientsOrder() {
        #expect(WebSocketHandshake.evaluate(self.head()) == .accept(.json, announce: false))
        #expect(WebSocketHandshake.evaluate(self.head(protocols: "roost.v1.binary")) == .accept(.binary, announce: true))
        #expect(
            WebSocketHandshake.evaluate(self.head(protocols: "chat, roost.v1.json, roost.v1.binary"))
                == .accept(.json, announce: true))
        #expect(self.status(WebSocketHandshake.evaluate(self.head(protocols: "chat, mqtt"))) == .badRequest)
    }

    @Test func rejectsBadHandshakesWithTheRFCStatus() {
        #expect(self.status(WebSocketHandshake.evaluate(self.head(path: "/elsewhere"))) == .notFound)
        #expect(self.status(WebSocketHandshake.evaluate(self.head(key: nil))) == .badRequest)
        #expect(self.status(WebSocketHandshake.evaluate(self.head(key: "short=="))) == .badRequest)
        #expect(self.status(WebSocketHandshake.evaluate(self.head(key: "dGhlIHNhbXBsZSBub25jZQ"))) == .badRequest)
        guard case .reject(let error) = WebSocketHandshake.evaluate(self.head(version: "8")) else {
            Issue.record("version 8 accepted")
            return
        }
        #expect(error.status == .upgradeRequired)
        #expect(error.headers["Sec-WebSocket-Version"] == ["13"])
    }
}
