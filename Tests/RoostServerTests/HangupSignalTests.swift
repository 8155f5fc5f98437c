import NIOConcurrencyHelpers
import RoostServer
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct HangupSignalTests {
    @Test func everySIGHUPCallsTheHandler() async throws {
        let (calls, continuation) = AsyncStream<Void>.makeStream()
        let signal = await HangupSignal { continuation.yield() }
        var iterator = calls.makeAsyncIterator()
        kill(getpid(), SIGHUP)
        #expect(await iterator.next() != nil)
        kill(getpid(), SIGHUP)
        #expect(await iterator.next() != nil)
        withExtendedLifetime(signal) {}
    }
}
