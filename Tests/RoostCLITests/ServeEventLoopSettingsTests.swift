import NIOCore
import RoostBroker
import RoostServer
import Testing

@testable import RoostCLI

/// `event_loops`, the inline-write default that follows it, and `inline_sync_max_us`.
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

    @Test func inlineSyncMaxMicrosecondsIsSetByKeyOrEnvironment() throws {
        #expect(try ServeSettings().configuration().broker.inlineSyncMaxMicroseconds == 1_000)
        var values = ServeSettings()
        values.addEnvironment(["ROOST_INLINE_SYNC_MAX_US": "0"])
        #expect(try values.configuration().broker.inlineSyncMaxMicroseconds == 0)
        values.add("inline_sync_max_us", "-1", source: "--set")
        #expect(throws: ServeSettings.Failure.self) { try values.configuration() }
    }
}
