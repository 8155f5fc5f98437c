import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import RoostServer

/// `EndOfTurn.runner(on:)`: an event loop takes one storage block at a time, only on its own thread, and runs it
/// after the task that handed it over.
@Suite struct EndOfTurnTests {
    @Test func aLoopHoldsOneBlockAtATimeAndRunsItAfterTheCurrentTask() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let run = EndOfTurn.runner(on: loop)
        let ran = NIOLockedValueBox<[String]>([])
        #expect(!run { ran.withLockedValue { $0.append("off the loop") } }, "refused off the loop's thread")

        let (first, second, seenInTask) = try await loop.submit {
            let first = run { ran.withLockedValue { $0.append("first") } }
            let second = run { ran.withLockedValue { $0.append("second") } }
            return (first, second, ran.withLockedValue { $0 })
        }.get()
        #expect(first && !second, "the loop already holds a block")
        #expect(seenInTask.isEmpty, "the block waits for the end of the current task")

        // The first block ran before this task (it was queued first), so the loop takes a block again.
        let third = try await loop.submit { run { ran.withLockedValue { $0.append("third") } } }.get()
        #expect(third)
        try await loop.submit {}.get()
        #expect(ran.withLockedValue { $0 } == ["first", "third"])
        try await group.shutdownGracefully()
    }
}
