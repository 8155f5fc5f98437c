import Foundation
import Testing

/// JSON requests over a raw WebSocket connection to a broker server, for the security tests.
enum JSONSession {
    /// A JSON WebSocket connection, authenticated at the upgrade with `token` (none: the upgrade carries no token).
    static func connect(_ port: Int, token: String?) async throws -> RawClient {
        let client = try await RawClient.connect(port: port)
        try await client.send(TestFrames.upgradeRequest(headers: token.map { ["Authorization: Bearer \($0)"] } ?? []))
        let head = try #require(await client.readHead())
        try #require(head.hasPrefix("HTTP/1.1 101"), "\(head)")
        return client
    }

    /// Sends one JSON request and returns the reply carrying its `id` (skipping deliveries and markers).
    static func request(_ client: RawClient, _ json: String) async throws -> [String: Any] {
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let id = try #require(sent["id"] as? Int)
        try await client.send(TestFrames.text(json))
        return try await self.reply(client, id: id)
    }

    /// Reads frames until the reply carrying `id`.
    static func reply(_ client: RawClient, id: Int) async throws -> [String: Any] {
        while let frame = await client.readFrame() {
            guard frame.opcode == 0x1,
                let reply = try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any]
            else { continue }
            if reply["id"] as? Int == id { return reply }
        }
        Issue.record("connection closed before the reply to request \(id)")
        return [:]
    }

    /// `ok`, or the error code of an `error` reply.
    static func code(_ reply: [String: Any]) -> String? {
        reply["op"] as? String == "ok" ? "ok" : reply["code"] as? String
    }
}
