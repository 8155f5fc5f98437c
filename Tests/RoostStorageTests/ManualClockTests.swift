import RoostStorage
import RoostTesting
import Testing

@Suite struct ManualClockTests {
    @Test func advancesAndSetsOnlyWhenTold() {
        let clock = ManualClock(milliseconds: 1_000)
        #expect(clock.nowMilliseconds() == 1_000)
        clock.advance(by: 250)
        #expect(clock.nowMilliseconds() == 1_250)
        clock.set(42)
        #expect(clock.nowMilliseconds() == 42)
    }

    @Test func temporaryDirectoryIsCreatedAndRemoved() throws {
        let directory = try TemporaryDirectory()
        #expect(directory.exists)
        directory.remove()
        #expect(!directory.exists)
    }
}
