import Testing

@testable import RoostServer

@Suite struct LazyQueueTests {
    /// An empty queue (an idle subscription's delivery queue) holds no buffer; the first element makes one, the last
    /// one leaving drops it again.
    @Test func holdsStorageOnlyWhileNotEmpty() {
        var queue = LazyQueue<Int>()
        #expect(!queue.holdsStorage && queue.isEmpty && queue.count == 0 && queue.first == nil)
        queue.append(1)
        #expect(queue.holdsStorage && queue.count == 1)
        #expect(queue.popFirst() == 1)
        #expect(!queue.holdsStorage && queue.popFirst() == nil)
        queue.prepend(2)
        #expect(queue.holdsStorage && queue.first == 2)
        queue.removeFirst()
        #expect(!queue.holdsStorage)
    }

    /// First in, first out past the initial capacity, with prepends going to the front.
    @Test func keepsOrderBeyondItsInitialCapacity() {
        var queue = LazyQueue<Int>(initialCapacity: 2)
        for value in 1...10 { queue.append(value) }
        queue.prepend(0)
        var popped: [Int] = []
        while let value = queue.popFirst() { popped.append(value) }
        #expect(popped == Array(0...10))
    }

    /// Elements are read and replaced by their distance from the front; out-of-range offsets read nil and write
    /// nothing.
    @Test func offsetsReadAndReplaceInPlace() {
        var queue = LazyQueue<String>()
        #expect(queue[offset: 0] == nil)
        queue[offset: 0] = "ignored"
        #expect(!queue.holdsStorage)
        for value in ["a", "b", "c"] { queue.append(value) }
        queue.removeFirst()
        queue.append("d")
        queue[offset: 1] = "C"
        queue[offset: 3] = "ignored"
        queue[offset: -1] = "ignored"
        #expect(queue[offset: 0] == "b" && queue[offset: 1] == "C" && queue[offset: 2] == "d" && queue[offset: 3] == nil)
        #expect(queue.count == 3)
    }
}
