import Foundation
import NIOCore
import RoostBroker
import RoostSecurity
import RoostServer
import RoostTesting
import Testing

/// Authorization and the publish rate limit on a real broker: every publish and subscribe checked against the
/// connection's permissions, over the JSON encoding.
@Suite struct BrokerSecurityTests {
    static func permissions(_ json: String) throws -> Permissions {
        try JSONDecoder().decode(Permissions.self, from: Data(json.utf8))
    }

    static func start(
        clock: ManualClock = ManualClock(), _ configure: (inout SecurityConfiguration) -> Void = { _ in },
        server configureServer: @escaping (inout BrokerServerConfiguration) -> Void = { _ in }
    ) async throws -> BrokerServerHarness {
        var security = SecurityConfiguration()
        security.authentication = .on
        security.tokens = [
            StaticToken(name: "orders", secret: "orders-token", permissions: try Self.permissions(
                #"{"publish":["orders.>"],"subscribe":["orders.>"],"consumers":["billing-*"]}"#)),
            StaticToken(name: "payments", secret: "payments-token", permissions: try Self.permissions(#"{"publish":["payments.>"]}"#)),
            StaticToken(name: "ops", secret: "ops-token", permissions: .unrestricted),
        ]
        security.jwt = JWTConfiguration(keys: [.hs256(secret: SecurityServerTests.secret)], leewaySeconds: 0)
        // Far beyond any test's run time, even on a loaded machine; the timeout tests set a short one.
        security.authTimeoutMilliseconds = 600_000
        configure(&security)
        let server = try await ServerSecurity.make(security, host: "127.0.0.1") { clock.nowMilliseconds() }
        return try await BrokerServerHarness.start(clock: clock, security: server) { configuration in
            configuration.broker.autoCreateTopics = false
            // Keep-alive and upgrade connections must not time out between steps on a loaded machine.
            configuration.server.handshakeTimeout = .seconds(600)
            configureServer(&configuration)
        }
    }

    private func connect(_ harness: BrokerServerHarness, token: String) async throws -> RawClient {
        try await JSONSession.connect(harness.port, token: token)
    }

    private func request(_ client: RawClient, _ json: String) async throws -> [String: Any] {
        try await JSONSession.request(client, json)
    }

    private func code(_ reply: [String: Any]) -> String? {
        JSONSession.code(reply)
    }

    @Test func publishAndSubscribeAreCheckedAgainstPermissions() async throws {
        let harness = try await Self.start()
        try harness.server.broker.createTopic("orders.created")
        try harness.server.broker.createTopic("payments.settled")
        let client = try await self.connect(harness, token: "orders-token")
        let publish = #"{"op":"publish","id":1,"topic":"orders.created","data":{"n":1}}"#
        #expect(try await self.code(self.request(client, publish)) == "ok")
        let denied = try await self.request(client, #"{"op":"publish","id":2,"topic":"payments.settled","data":1}"#)
        #expect(self.code(denied) == "forbidden")
        #expect((denied["message"] as? String)?.contains("payments.settled") == true)
        // A topic that does not exist is refused the same way: a denial says nothing about existence.
        let missing = try await self.request(client, #"{"op":"publish","id":3,"topic":"payments.nope","data":1}"#)
        #expect(self.code(missing) == "forbidden")
        let cases: [(String, String)] = [
            (#"{"op":"subscribe","id":10,"topic":"orders.*"}"#, "ok"),
            (#"{"op":"subscribe","id":11,"topic":"payments.*"}"#, "forbidden"),
            (#"{"op":"subscribe","id":12,"topic":">"}"#, "forbidden"),
            (#"{"op":"subscribe","id":13,"topic":"*.settled"}"#, "forbidden"),
            (#"{"op":"subscribe","id":14,"topic":"payments.settled"}"#, "forbidden"),
            (#"{"op":"subscribe","id":15,"topic":"orders.>","consumer":"audit","ack":"explicit"}"#, "forbidden"),
            (#"{"op":"subscribe","id":16,"topic":"orders.>","consumer":"billing-eu","ack":"explicit","from":"earliest"}"#, "ok"),
        ]
        for (json, expected) in cases {
            #expect(try await self.code(self.request(client, json)) == expected, "\(json)")
        }
        // The connection stays usable after denials.
        #expect(try await self.code(self.request(client, #"{"op":"publish","id":20,"topic":"orders.created","data":2}"#)) == "ok")
        await client.close()
        try await harness.finish()
    }

    @Test func rateLimitTriggersAndRecovers() async throws {
        let clock = ManualClock()
        let harness = try await Self.start(clock: clock) { security in
            security.publishRatePerSecond = 2
            security.publishBurst = 3
        }
        try harness.server.broker.createTopic("payments.settled")
        let client = try await self.connect(harness, token: "payments-token")
        func publish(_ id: Int) async throws -> [String: Any] {
            try await self.request(client, #"{"op":"publish","id":\#(id),"topic":"payments.settled","data":\#(id)}"#)
        }
        for id in 1...3 { #expect(try await self.code(publish(id)) == "ok") }
        let limited = try await publish(4)
        #expect(self.code(limited) == "rate_limited")
        #expect((limited["message"] as? String)?.contains("retry in 500 ms") == true)
        let batch = #"{"op":"publish_batch","id":5,"topic":"payments.settled","messages":[{"data":1},{"data":2},{"data":3},{"data":4}]}"#
        #expect(try await self.code(self.request(client, batch)) == "rate_limited", "a batch above the burst")
        clock.advance(by: 500)
        #expect(try await self.code(publish(6)) == "ok")
        #expect(try await self.code(publish(7)) == "rate_limited")
        clock.advance(by: 10_000)
        for id in 8...10 { #expect(try await self.code(publish(id)) == "ok") }
        #expect(try harness.server.broker.describeTopic("payments.settled").endOffset == 7, "refused publishes stored nothing")
        await client.close()
        try await harness.finish()
    }

    @Test func authFrameReplacesTheCredentialAndItsPermissions() async throws {
        let harness = try await Self.start()
        try harness.server.broker.createTopic("orders.created")
        try harness.server.broker.createTopic("payments.settled")
        let client = try await self.connect(harness, token: "payments-token")
        let orders = #"{"op":"publish","id":1,"topic":"orders.created","data":1}"#
        #expect(try await self.code(self.request(client, orders)) == "forbidden")
        let wrong = try await self.request(client, #"{"op":"auth","id":2,"token":"nope"}"#)
        #expect(self.code(wrong) == "unauthorized")
        let payments = #"{"op":"publish","id":3,"topic":"payments.settled","data":1}"#
        #expect(try await self.code(self.request(client, payments)) == "ok", "a refused auth keeps the credential")
        #expect(try await self.code(self.request(client, #"{"op":"auth","id":4,"token":"orders-token"}"#)) == "ok")
        #expect(try await self.code(self.request(client, #"{"op":"publish","id":5,"topic":"orders.created","data":1}"#)) == "ok")
        let old = #"{"op":"publish","id":6,"topic":"payments.settled","data":1}"#
        #expect(try await self.code(self.request(client, old)) == "forbidden", "the new token's permissions only")
        await client.close()
        try await harness.finish()
    }

    @Test func credentialFromAnAuthFrameExpiresLikeOneFromTheUpgrade() async throws {
        let clock = ManualClock(milliseconds: SecurityServerTests.nowSeconds * 1000)
        let harness = try await Self.start(clock: clock)
        let client = try await self.connect(harness, token: "orders-token")
        let jwt = try await SecurityServerTests.jwt(expiresIn: 1)
        #expect(try await self.code(self.request(client, #"{"op":"auth","id":1,"token":"\#(jwt)"}"#)) == "ok")
        // The static token never expired; the JWT that replaced it does, a second later.
        var told = false
        while let frame = await client.readFrame(), frame.opcode != 0x8 {
            told = told || String(decoding: frame.payload, as: UTF8.self).contains("\"code\":\"token_expired\"")
        }
        #expect(told)
        await client.close()
        try await harness.finish()
    }
}

extension BrokerSecurityTests {
    @Test func subscriptionsTheNewCredentialMayNotReadEndAfterAnAuthFrame() async throws {
        let permissions = try Self.permissions(#"{"subscribe":["orders.eu.*"]}"#)
        let harness = try await Self.start { security in
            security.tokens.append(StaticToken(name: "narrow", secret: "narrow-token", permissions: permissions))
        }
        let client = try await JSONSession.connect(harness.port, token: "orders-token")
        let wide = try await JSONSession.request(client, #"{"op":"subscribe","id":1,"topic":"orders.>"}"#)
        let narrow = try await JSONSession.request(client, #"{"op":"subscribe","id":2,"topic":"orders.eu.*"}"#)
        #expect(JSONSession.code(wide) == "ok" && JSONSession.code(narrow) == "ok")
        try await client.send(TestFrames.text(#"{"op":"auth","id":3,"token":"narrow-token"}"#))
        #expect(JSONSession.code(try await JSONSession.reply(client, id: 3)) == "ok")
        let wideSub = try #require(wide["sub"] as? String)
        let narrowSub = try #require(narrow["sub"] as? String)
        let ended = try #require(await client.readFrame())
        #expect(ended.text.contains(#""code":"forbidden""#) && ended.text.contains("'\(wideSub)' ended"), "\(ended.text)")
        let gone = #"{"op":"unsubscribe","id":4,"sub":"\#(wideSub)"}"#
        #expect(JSONSession.code(try await JSONSession.request(client, gone)) == "unknown_subscription")
        let kept = #"{"op":"unsubscribe","id":5,"sub":"\#(narrowSub)"}"#
        #expect(JSONSession.code(try await JSONSession.request(client, kept)) == "ok", "still allowed: still open")
        await client.close()
        try await harness.finish()
    }
}
