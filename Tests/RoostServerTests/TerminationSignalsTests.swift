import Testing

@testable import RoostServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct TerminationSignalsTests {
    @Test func aSignalRaisedBeforeWaitingIsDelivered() async {
        let signals = await TerminationSignals()
        kill(getpid(), SIGTERM)
        #expect(await signals.next() == SIGTERM)
        #expect(await signals.next() == SIGTERM)
    }
}
