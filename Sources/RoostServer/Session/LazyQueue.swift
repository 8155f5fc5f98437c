import NIOCore

/// A FIFO queue that holds no storage while it is empty: a `CircularBuffer` made on the first append and dropped
/// again when the last element leaves. NIO's `CircularBuffer` allocates even when empty, and a session keeps one
/// queue per subscription and one for its replies, so with idle connections counted in bytes (issue 4, 10,000
/// idle subscribed connections) an empty queue must cost nothing but its inline fields.
struct LazyQueue<Element> {
    private var buffer: CircularBuffer<Element>?
    private let initialCapacity: Int

    /// - Parameter initialCapacity: the capacity of the buffer made on the first append.
    init(initialCapacity: Int = 4) {
        self.initialCapacity = initialCapacity
    }

    var isEmpty: Bool { buffer?.isEmpty ?? true }
    var count: Int { buffer?.count ?? 0 }
    var first: Element? { buffer?.first }
    /// Whether storage is held now (tests: an idle queue holds none).
    var holdsStorage: Bool { buffer != nil }

    mutating func append(_ element: Element) {
        if buffer == nil { buffer = CircularBuffer(initialCapacity: initialCapacity) }
        buffer?.append(element)
    }

    mutating func prepend(_ element: Element) {
        if buffer == nil { buffer = CircularBuffer(initialCapacity: initialCapacity) }
        buffer?.prepend(element)
    }

    /// Removes and returns the first element; nil when empty.
    mutating func popFirst() -> Element? {
        guard let element = buffer?.popFirst() else { return nil }
        if buffer?.isEmpty == true { buffer = nil }
        return element
    }

    /// Removes the first element, if any.
    mutating func removeFirst() {
        _ = popFirst()
    }

    /// The element `offset` places behind the first; nil when there is none.
    subscript(offset offset: Int) -> Element? {
        get {
            guard let buffer, offset >= 0, offset < buffer.count else { return nil }
            return buffer[buffer.index(buffer.startIndex, offsetBy: offset)]
        }
        set {
            guard let newValue, let start = buffer?.startIndex, let count = buffer?.count, offset >= 0, offset < count
            else { return }
            guard let index = buffer?.index(start, offsetBy: offset) else { return }
            buffer?[index] = newValue
        }
    }
}
