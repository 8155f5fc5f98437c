import NIOConcurrencyHelpers
import NIOCore
@testable import RoostServer
import Testing

/// A peer that vanishes without a FIN (power cut, cable pulled, NAT state dropped) leaves a half-open
/// connection: the server's writes still succeed into the send buffer and nothing ever arrives. Only the
/// idle timeout can end it; these tests hold that it does, and that the server's side of the TCP connection
/// is closed (not just a close frame sent and waited on forever).
@Suite(.timeLimit(.minutes(1))) struct HalfOpenConnectionTests {
    @Test func aPeerThatVanishedWithoutFINIsClosedByTheIdleTimeout() async throws {
        var harness = try await ServerHarness.start { configuration in
            configuration.pingInterval = .milliseconds(20)
            configuration.idleTimeout = .milliseconds(100)
            configuration.closeTimeout = .milliseconds(50)
        }
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        #expect(await harness.waitFor(.opened("roost.v1.json")))
        let session = try #require(harness.sessions.withLockedValue { $0.first })
        // The vanished peer: it neither answers (no pong, no close frame), nor writes, nor closes; it stops
        // reading too, unless the server already closed it (a loaded machine can take longer than the timeout).
        _ = try? await client.channel.setOption(.autoRead, value: false).get()
        #expect(await harness.waitFor(.closed(1001)))
        // The server did not wait for a close frame that cannot come: its TCP side is closed.
        try await session.channel.closeFuture.get()
        #expect(!session.channel.isActive)
        await client.close()
        await harness.server.shutdown()
    }
}
