import NIOCore
import NIOHTTP1
import Testing

@testable import RoostServer

@Suite struct HTTPRouterTests {
    private func answer(_ router: HTTPRouter, _ method: HTTPMethod, _ uri: String) throws -> String? {
        guard case .found(.sync(let handler), let parameters) = router.match(method: method, path: WebSocketHandshake.pathOf(uri)) else {
            return nil
        }
        let response = try handler(HTTPRouteRequest(head: HTTPRequestHead(version: .http1_1, method: method, uri: uri), body: ByteBuffer(), parameters: parameters))
        return String(buffer: response.body)
    }

    @Test func capturesParametersAndRest() throws {
        var router = HTTPRouter()
        router.add(.GET, "/v1/admin/topics") { _ in .text("list") }
        router.add(.GET, "/v1/admin/topics/:name") { .text("topic " + ($0.parameters["name"] ?? "?")) }
        router.add(.GET, "/files/*path") { .text(($0.parameters["path"] ?? "?") + " " + ($0.query["v"] ?? "-")) }
        #expect(try self.answer(router, .GET, "/v1/admin/topics") == "list")
        #expect(try self.answer(router, .GET, "/v1/admin/topics/orders.created?x=1") == "topic orders.created")
        #expect(try self.answer(router, .GET, "/files/a/b/c?v=2") == "a/b/c 2")
        #expect(try self.answer(router, .GET, "/v1/admin/topics/a/b") == nil)
    }

    @Test func tellsMethodNotAllowedFromNotFound() {
        var router = HTTPRouter()
        router.add(.GET, "/things/:id") { _ in .text("") }
        router.add(.DELETE, "/things/:id") { _ in .text("") }
        guard case .methodNotAllowed(let allowed) = router.match(method: .POST, path: "/things/1") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.GET, .DELETE])
        guard case .notFound = router.match(method: .GET, path: "/nothing") else {
            Issue.record("expected 404")
            return
        }
    }

    @Test func errorBodiesAreJSON() {
        let response = HTTPRouteError.notFound("no \"x\"\n").response
        #expect(String(buffer: response.body) == #"{"error":{"code":"not_found","message":"no \"x\"\n"}}"#)
        #expect(response.headers["Content-Type"] == ["application/json"])
    }
}
