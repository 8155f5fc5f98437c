import RoostProtocol
import Testing

@testable import RoostServer

@Suite("ReplyQueue")
struct ReplyQueueTests {
    private func ok(_ id: Int64) -> ReplyQueue.Reply { .init(frame: .ok(OKFrame(id: RequestID(id))), opensSubscription: nil) }

    private func ids(_ replies: [ReplyQueue.Reply]) -> [String] {
        replies.compactMap { reply in
            if case .ok(let frame)? = reply.frame { return frame.id.jsonToken }
            return nil
        }
    }

    @Test("answers completing out of order are released in request order")
    func requestOrder() {
        var queue = ReplyQueue()
        let first = queue.reserve(bytes: 10)
        let second = queue.reserve(bytes: 20)
        let third = queue.reserve(bytes: 30)
        #expect(queue.waitingCount == 3 && queue.waitingBytes == 60)
        queue.fill(third, with: ok(3))
        queue.fill(second, with: ok(2))
        #expect(queue.popReady().isEmpty)
        queue.fill(first, with: ok(1))
        #expect(ids(queue.popReady()) == ["1", "2", "3"])
        #expect(queue.isEmpty && queue.waitingCount == 0 && queue.waitingBytes == 0)
    }

    @Test("a queue holds slot storage only while a reply waits (idle connections cost no buffer)")
    func storageOnlyWhileWaiting() {
        var queue = ReplyQueue()
        #expect(!queue.holdsStorage)
        let first = queue.reserve(bytes: 10)
        #expect(queue.holdsStorage)
        queue.fill(first, with: ok(1))
        #expect(ids(queue.popReady()) == ["1"])
        #expect(!queue.holdsStorage)
    }

    @Test("an immediate answer waits behind an earlier pending one; silent slots release nothing")
    func immediateBehindPending() {
        var queue = ReplyQueue()
        let pending = queue.reserve(bytes: 1)
        let silent = queue.reserve(bytes: 1)
        queue.append(.init(frame: .ok(OKFrame(id: RequestID("s"), sub: "s1")), opensSubscription: 1))
        #expect(queue.popReady().isEmpty)
        queue.fill(silent, with: .init(frame: nil, opensSubscription: nil))
        queue.fill(pending, with: ok(7))
        let released = queue.popReady()
        #expect(released.count == 3)
        #expect(ids(released) == ["7", "\"s\""])
        #expect(released.last?.opensSubscription == 1)
    }

    @Test("filling an unknown or already filled slot changes nothing")
    func staleFill() {
        var queue = ReplyQueue()
        let slot = queue.reserve(bytes: 5)
        queue.fill(slot, with: ok(1))
        queue.fill(slot, with: ok(2))
        queue.fill(99, with: ok(3))
        #expect(ids(queue.popReady()) == ["1"])
        queue.fill(slot, with: ok(4))
        #expect(queue.popReady().isEmpty && queue.waitingCount == 0)
    }
}
