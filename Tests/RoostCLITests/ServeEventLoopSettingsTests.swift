import NIOCore
import RoostBroker
import RoostServer
import Testing

@testable import RoostCLI

/// `event_loops` and the inline-write default that follows it.
@Suite struct ServeEventLoopSettingsTests {
    @Test func oneLoopKeepsInlineWritesAndMoreTurnThemOff() throws {
        var one = ServeSettings()
        one.add("event_loops", "1", source: "--set")
        let single = try one.configuration()
        #expect(single.eventLoops == 1 && single.broker.inlineWriteMaxBytes == 4_096)

        var two = ServeSettings()
        two.addEnvironment(["ROOST_EVENT_LOOPS": "2"])
        let several = try two.configuration()
        #expect(several.eventLoops == 2 && several.broker.inlineWriteMaxBytes == 0)

        two.add("inline_write_max_bytes", "512", source: "--set")
        #expect(try two.configuration().broker.inlineWriteMaxBytes == 512, "an explicit value wins")
    }

    @Test func theDefaultIsHalfTheCores() throws {
        let configuration = try ServeSettings().configuration()
        #expect(configuration.eventLoops == max(1, System.coreCount / 2))
    }

    @Test func aLoopCountOutOfRangeIsRefused() {
        for bad in ["0", "257", "many"] {
            var values = ServeSettings()
            values.add("event_loops", bad, source: "--set")
            #expect(throws: ServeSettings.Failure.self) { try values.configuration() }
        }
    }
}
