import NIOCore
import NIOEmbedded
import NIOWebSocket
import RoostSecurity
import Testing

@testable import RoostServer

/// The per-principal slot a connection holds, and the credential timers of the transport (authentication deadline,
/// token expiry) on an embedded event loop whose clock the test advances: no sockets, no waits.
@Suite struct ConnectionCredentialTests {
    private static let nowMilliseconds: Int64 = 1_767_225_600_000

    private static func principal(_ name: String, expiresIn milliseconds: Int64? = nil) -> Principal {
        Principal(
            identity: "token:" + name, permissions: .unrestricted,
            expiresAtMilliseconds: milliseconds.map { Self.nowMilliseconds + $0 })
    }

    private static func security(authTimeoutMilliseconds: Int64 = 10_000) async throws -> ServerSecurity {
        var configuration = SecurityConfiguration()
        configuration.authentication = .on
        configuration.tokens = [StaticToken(name: "a", secret: "a", permissions: .unrestricted)]
        configuration.authTimeoutMilliseconds = authTimeoutMilliseconds
        return try await ServerSecurity.make(configuration, host: "127.0.0.1") { Self.nowMilliseconds }
    }

    @Test func replacingMovesTheSlotAndReleaseGivesItBack() {
        let limiter = ConnectionLimiter(limit: 1)
        let first = ConnectionCredential(limiter: limiter)
        let second = ConnectionCredential(limiter: limiter)
        #expect(first.replace(with: .unauthenticated))
        #expect(!second.replace(with: .unauthenticated), "the waiting connections share one count")
        #expect(first.replace(with: Self.principal("a")))
        #expect(limiter.count("unauthenticated") == 0 && limiter.count("token:a") == 1)
        #expect(first.replace(with: Self.principal("a", expiresIn: 5)), "the identity it holds: same slot")
        #expect(limiter.count("token:a") == 1)
        #expect(second.replace(with: .unauthenticated))
        #expect(!second.replace(with: Self.principal("a")), "token a is full")
        #expect(!second.principal.isAuthenticated, "a refused replacement changes nothing")
        first.release()
        first.release()
        #expect(limiter.count("token:a") == 0)
        #expect(!first.replace(with: Self.principal("b")), "a closed connection takes no slot again")
        #expect(limiter.count("token:b") == 0)
    }

    private func closeCode(_ fixture: WebSocketConnectionHandlerTests.Fixture) throws -> WebSocketErrorCode? {
        while let frame = try fixture.nextFrame() {
            if frame.opcode == .connectionClose { return frame.data.getWebSocketErrorCode(at: frame.data.readerIndex) }
        }
        return nil
    }

    @Test func aConnectionWaitingToAuthenticateIsClosedAtItsDeadline() async throws {
        let credential = ConnectionCredential(limiter: ConnectionLimiter(limit: 0), principal: .unauthenticated)
        let fixture = try WebSocketConnectionHandlerTests.Fixture(
            ServerConfiguration(), credential: credential, security: try await Self.security(authTimeoutMilliseconds: 300))
        fixture.loop.advanceTime(by: .milliseconds(299))
        #expect(try self.closeCode(fixture) == nil)
        fixture.loop.advanceTime(by: .milliseconds(1))
        #expect(try self.closeCode(fixture) == .policyViolation)
    }

    @Test func authenticatingBeforeTheDeadlineCancelsIt() async throws {
        let credential = ConnectionCredential(limiter: ConnectionLimiter(limit: 0), principal: .unauthenticated)
        let fixture = try WebSocketConnectionHandlerTests.Fixture(
            ServerConfiguration(), credential: credential, security: try await Self.security(authTimeoutMilliseconds: 300))
        fixture.loop.advanceTime(by: .milliseconds(200))
        #expect(fixture.session.authenticate(as: Self.principal("a")))
        fixture.loop.advanceTime(by: .seconds(10))
        #expect(try self.closeCode(fixture) == nil)
        #expect(fixture.channel.isActive)
    }

    @Test func renewingBeforeExpiryKeepsTheConnectionAndTheNewExpiryCounts() async throws {
        let credential = ConnectionCredential(limiter: ConnectionLimiter(limit: 0), principal: Self.principal("a", expiresIn: 1_000))
        let fixture = try WebSocketConnectionHandlerTests.Fixture(
            ServerConfiguration(), credential: credential, security: try await Self.security())
        fixture.loop.advanceTime(by: .milliseconds(500))
        // The authenticator's clock stands still at `nowMilliseconds`: the renewed token has 5 s left when renewed.
        #expect(fixture.session.authenticate(as: Self.principal("a", expiresIn: 5_000)))
        fixture.loop.advanceTime(by: .milliseconds(4_999))
        #expect(try self.closeCode(fixture) == nil)
        fixture.loop.advanceTime(by: .milliseconds(1))
        let told = try #require(try fixture.nextFrame())
        #expect(String(buffer: told.data).contains("\"code\":\"token_expired\""))
        #expect(try self.closeCode(fixture) == .policyViolation)
    }
}
