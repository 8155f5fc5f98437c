import Foundation
import RoostBroker
import RoostSecurity
import RoostServer
import RoostTesting
import Testing

/// Connections that upgrade without a token and authenticate with their first `auth` frame; the per-token
/// connection count across `auth` frames; limits and refusals on `/metrics`. Real sockets, real broker.
@Suite struct FirstFrameAuthTests {
    private func code(_ client: RawClient, _ json: String) async throws -> String? {
        JSONSession.code(try await JSONSession.request(client, json))
    }

    /// The body of `GET /metrics` with the admin token.
    private func scrape(_ port: Int) async throws -> String {
        let client = try await RawClient.connect(port: port)
        try await client.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ops-token\r\n\r\n")
        let response = try #require(await client.readResponse())
        await client.close()
        #expect(response.head.hasPrefix("HTTP/1.1 200"))
        return response.body
    }

    /// The value of the sample `series` (name and labels exactly as exported), or nil when it is not there.
    private func value(_ series: String, in body: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    private func upgradeStatus(_ port: Int, token: String?) async throws -> (RawClient, String) {
        let client = try await RawClient.connect(port: port)
        try await client.send(TestFrames.upgradeRequest(headers: token.map { ["Authorization: Bearer \($0)"] } ?? []))
        return (client, try #require(await client.readHead()))
    }

    @Test func upgradeWithoutATokenMayOnlyAuthenticate() async throws {
        let harness = try await BrokerSecurityTests.start()
        try harness.server.broker.createTopic("orders.created")
        let client = try await JSONSession.connect(harness.port, token: nil)
        let refused = [
            #"{"op":"publish","id":1,"topic":"orders.created","data":1}"#,
            #"{"op":"publish_batch","id":2,"topic":"orders.created","messages":[{"data":1}]}"#,
            #"{"op":"subscribe","id":3,"topic":"orders.created","from":"earliest"}"#,
            #"{"op":"ack","id":4,"sub":"s1","offset":0}"#,
            #"{"op":"unsubscribe","id":5,"sub":"s1"}"#,
        ]
        for json in refused {
            let reply = try await JSONSession.request(client, json)
            #expect(JSONSession.code(reply) == "unauthorized", "\(json)")
            #expect((reply["message"] as? String)?.contains("auth frame") == true)
        }
        #expect(try harness.server.broker.describeTopic("orders.created").endOffset == 0, "nothing was carried out")
        #expect(try await self.code(client, #"{"op":"auth","id":6,"token":"nope"}"#) == "unauthorized")
        #expect(try await self.code(client, #"{"op":"publish","id":7,"topic":"orders.created","data":1}"#) == "unauthorized")
        #expect(try await self.code(client, #"{"op":"auth","id":8,"token":"orders-token"}"#) == "ok")
        #expect(try await self.code(client, #"{"op":"publish","id":9,"topic":"orders.created","data":1}"#) == "ok")
        #expect(try await self.code(client, #"{"op":"subscribe","id":10,"topic":"payments.*"}"#) == "forbidden")
        #expect(try harness.server.broker.describeTopic("orders.created").endOffset == 1)
        await client.close()
        try await harness.finish()
    }

    @Test func browserStyleClientAuthenticatesWithItsFirstFrame() async throws {
        let harness = try await BrokerSecurityTests.start()
        try harness.server.broker.createTopic("orders.created")
        try await harness.run("first_frame_auth")
        try await harness.finish()
    }

    @Test func requestsSentRightBehindAnAuthFrameUseItsCredential() async throws {
        // A JWT, so that the verdict takes a hop to a task and the frames behind it must wait for it.
        let harness = try await BrokerSecurityTests.start(clock: ManualClock(milliseconds: SecurityServerTests.nowSeconds * 1000))
        try harness.server.broker.createTopic("orders.created")
        let jwt = try await SecurityServerTests.jwt(
            expiresIn: 600, permissions: try BrokerSecurityTests.permissions(#"{"publish":["orders.>"],"subscribe":["orders.>"]}"#))
        let client = try await JSONSession.connect(harness.port, token: nil)
        // What a browser does on open: auth, subscribe and publish in one go, without waiting for the ok.
        let frames = [
            #"{"op":"auth","id":1,"token":"\#(jwt)"}"#,
            #"{"op":"subscribe","id":2,"topic":"orders.*","from":"earliest"}"#,
            #"{"op":"publish","id":3,"topic":"orders.created","data":{"n":1}}"#,
            #"{"op":"auth","id":4,"token":"payments-token"}"#,
            #"{"op":"publish","id":5,"topic":"orders.created","data":{"n":2}}"#,
        ]
        try await client.send(frames.flatMap { TestFrames.text($0) })
        #expect(JSONSession.code(try await JSONSession.reply(client, id: 1)) == "ok")
        #expect(JSONSession.code(try await JSONSession.reply(client, id: 2)) == "ok")
        #expect(JSONSession.code(try await JSONSession.reply(client, id: 3)) == "ok")
        #expect(JSONSession.code(try await JSONSession.reply(client, id: 4)) == "ok")
        #expect(JSONSession.code(try await JSONSession.reply(client, id: 5)) == "forbidden", "checked with the second token")
        await client.close()
        try await harness.finish()
    }

    @Test func connectionThatDoesNotAuthenticateInTimeIsClosedWith1008() async throws {
        let harness = try await BrokerSecurityTests.start { $0.authTimeoutMilliseconds = 200 }
        let client = try await JSONSession.connect(harness.port, token: nil)
        var close: TestFrames.Frame?
        while let frame = await client.readFrame() {
            if frame.opcode == 0x8 {
                close = frame
                break
            }
        }
        let frame = try #require(close)
        #expect(frame.closeCode == 1008)
        #expect(frame.text.contains("authentication timeout"))
        // (That an auth frame in time cancels the deadline is ConnectionCredentialTests', on a loop clock.)
        let metrics = try await self.scrape(harness.port)
        #expect(self.value(#"roost_security_refusals_total{reason="auth_timeout"}"#, in: metrics) == 1)
        #expect(self.value(#"roost_limit{limit="auth_timeout_ms"}"#, in: metrics) == 200)
        await client.close()
        try await harness.finish()
    }

    @Test func withoutAnAuthTimeoutTheUpgradeMustCarryAToken() async throws {
        let harness = try await BrokerSecurityTests.start { $0.authTimeoutMilliseconds = 0 }
        let (_, head) = try await self.upgradeStatus(harness.port, token: nil)
        #expect(head.hasPrefix("HTTP/1.1 401"))
        try await harness.finish()
    }

    @Test func perTokenConnectionCountFollowsTheAuthFrame() async throws {
        let harness = try await BrokerSecurityTests.start { $0.maxConnectionsPerPrincipal = 1 }
        let a = try await JSONSession.connect(harness.port, token: "payments-token")
        let b = try await JSONSession.connect(harness.port, token: nil)
        // Connections waiting to authenticate share one count: the limit bounds them too.
        let (_, waiting) = try await self.upgradeStatus(harness.port, token: nil)
        #expect(waiting.hasPrefix("HTTP/1.1 429"))
        #expect(try await self.code(b, #"{"op":"auth","id":1,"token":"payments-token"}"#) == "too_many_connections")
        #expect(try await self.code(b, #"{"op":"publish","id":2,"topic":"payments.x","data":1}"#) == "unauthorized")
        // a moves from payments to orders, which frees payments for b, which frees the unauthenticated slot.
        #expect(try await self.code(a, #"{"op":"auth","id":3,"token":"orders-token"}"#) == "ok")
        #expect(try await self.code(b, #"{"op":"auth","id":4,"token":"payments-token"}"#) == "ok")
        #expect(try await self.upgradeStatus(harness.port, token: "payments-token").1.hasPrefix("HTTP/1.1 429"))
        #expect(try await self.upgradeStatus(harness.port, token: "orders-token").1.hasPrefix("HTTP/1.1 429"))
        let (c, free) = try await self.upgradeStatus(harness.port, token: nil)
        #expect(free.hasPrefix("HTTP/1.1 101"))
        // Renewing with the token already held keeps its one slot.
        #expect(try await self.code(a, #"{"op":"auth","id":5,"token":"orders-token"}"#) == "ok")
        let metrics = try await self.scrape(harness.port)
        #expect(self.value(#"roost_security_refusals_total{reason="principal_connections"}"#, in: metrics) == 4)
        for client in [a, b, c] { await client.close() }
        try await harness.finish()
    }

    @Test func limitsAndRefusalsByReasonAreOnTheMetricsPage() async throws {
        let harness = try await BrokerSecurityTests.start(
            { security in
                security.publishRatePerSecond = 1
                security.publishBurst = 1
                security.maxConnectionsPerPrincipal = 20
                security.allowedOrigins = ["https://app.example.com"]
            },
            server: { configuration in
                configuration.server.maxConnections = 500
                configuration.session.maxSubscriptionsPerConnection = 7
                configuration.broker.maxMessageBytes = 4096
            })
        let before = try await self.scrape(harness.port)
        for reason in ["origin", "unauthorized", "unauthenticated", "auth_timeout", "token_expired", "forbidden",
            "rate_limited", "principal_connections", "max_connections"]
        {
            #expect(self.value("roost_security_refusals_total{reason=\"\(reason)\"}", in: before) == 0, "\(reason)")
        }
        let limits: [(String, Double)] = [
            ("max_connections", 500), ("max_connections_per_principal", 20), ("max_subscriptions", 7),
            ("max_message_bytes", 4096), ("max_frame_bytes", Double((1 << 20) + (64 << 10))), ("publish_rate", 1),
            ("publish_burst", 1), ("handshake_timeout_ms", 600_000), ("auth_timeout_ms", 600_000),
        ]
        for (name, expected) in limits {
            #expect(self.value("roost_limit{limit=\"\(name)\"}", in: before) == expected, "\(name)")
        }
        try harness.server.broker.createTopic("payments.settled")
        let publisher = try await JSONSession.connect(harness.port, token: "payments-token")
        #expect(try await self.code(publisher, #"{"op":"publish","id":1,"topic":"payments.settled","data":1}"#) == "ok")
        #expect(try await self.code(publisher, #"{"op":"publish","id":2,"topic":"payments.settled","data":1}"#) == "rate_limited")
        #expect(try await self.code(publisher, #"{"op":"subscribe","id":3,"topic":"orders.*"}"#) == "forbidden")
        let waiting = try await JSONSession.connect(harness.port, token: nil)
        #expect(try await self.code(waiting, #"{"op":"subscribe","id":1,"topic":"orders.*"}"#) == "unauthorized")
        let (_, wrong) = try await self.upgradeStatus(harness.port, token: "nope")
        #expect(wrong.hasPrefix("HTTP/1.1 401"))
        let foreign = try await RawClient.connect(port: harness.port)
        try await foreign.send(TestFrames.upgradeRequest(headers: ["Origin: https://evil.example"]))
        #expect(try #require(await foreign.readHead()).hasPrefix("HTTP/1.1 403"))
        let after = try await self.scrape(harness.port)
        let expected = ["origin": 1.0, "unauthorized": 1, "unauthenticated": 1, "forbidden": 1, "rate_limited": 1]
        for (reason, count) in expected {
            #expect(self.value("roost_security_refusals_total{reason=\"\(reason)\"}", in: after) == count, "\(reason)")
        }
        for client in [publisher, waiting, foreign] { await client.close() }
        try await harness.finish()
    }

    @Test func serverConnectionLimitIsCountedAsARefusal() async throws {
        let harness = try await BrokerSecurityTests.start({ _ in }, server: { $0.server.maxConnections = 1 })
        let scraper = try await RawClient.connect(port: harness.port)
        try await scraper.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try #require(await scraper.readResponse()).head.hasPrefix("HTTP/1.1 200"), "admitted first")
        let (_, full) = try await self.upgradeStatus(harness.port, token: "orders-token")
        #expect(full.hasPrefix("HTTP/1.1 503"))
        try await scraper.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ops-token\r\n\r\n")
        let metrics = try #require(await scraper.readResponse())
        #expect(self.value(#"roost_security_refusals_total{reason="max_connections"}"#, in: metrics.body) == 1)
        #expect(self.value(#"roost_limit{limit="max_connections"}"#, in: metrics.body) == 1)
        await scraper.close()
        try await harness.finish()
    }

    @Test func withAuthenticationOffAnAuthFrameChangesNothing() async throws {
        var configuration = SecurityConfiguration()
        configuration.maxConnectionsPerPrincipal = 1
        let security = try await ServerSecurity.make(configuration, host: "127.0.0.1")
        let harness = try await BrokerServerHarness.start(security: security)
        let first = try await JSONSession.connect(harness.port, token: nil)
        let second = try await JSONSession.connect(harness.port, token: nil)
        for client in [first, second] {
            #expect(try await self.code(client, #"{"op":"auth","id":1,"token":"anything"}"#) == "ok")
            #expect(try await self.code(client, #"{"op":"publish","id":2,"topic":"open.topic","data":1}"#) == "ok")
        }
        for client in [first, second] { await client.close() }
        try await harness.finish()
    }
}
