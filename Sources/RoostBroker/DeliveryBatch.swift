/// What the broker hands a subscription in one call: deliveries in order, as runs. A run of first deliveries is one
/// slice of the array of messages the broker assigned them from (one read or one append): one reference for the
/// whole run, not one `Delivery` per message, and the server walks it run by run (block segments), not message by
/// message. A redelivery is a run of its own (it carries its delivery count).
///
/// Also a collection of ``Delivery`` values, for sinks that want them one by one: element `i` is found by walking
/// the runs (few per batch), so prefer ``runs`` on hot paths.
public struct DeliveryBatch: Sendable, RandomAccessCollection {
    /// Consecutive deliveries of one topic with one delivery count.
    public struct Run: Sendable {
        /// The messages, in offset order.
        public let messages: ArraySlice<Message>
        /// 1 for first deliveries, more for a redelivery.
        public let deliveryCount: Int

        /// A run of `messages`, each delivered for the `deliveryCount`th time.
        public init(_ messages: ArraySlice<Message>, deliveryCount: Int = 1) {
            self.messages = messages
            self.deliveryCount = deliveryCount
        }
    }

    /// The runs, in delivery order; none is empty.
    public private(set) var runs: [Run] = []
    /// How many deliveries the runs hold.
    public private(set) var count = 0

    /// An empty batch.
    public init() {}

    /// A batch of the deliveries `deliveries`, one run per delivery (tests; the broker builds runs).
    public init(_ deliveries: [Delivery]) {
        for delivery in deliveries { append(ArraySlice([delivery.message]), deliveryCount: delivery.deliveryCount) }
    }

    /// Adds `messages` (delivered for the `deliveryCount`th time) after the runs so far; nothing when empty.
    public mutating func append(_ messages: ArraySlice<Message>, deliveryCount: Int = 1) {
        guard !messages.isEmpty else { return }
        runs.append(Run(messages, deliveryCount: deliveryCount))
        count += messages.count
    }

    /// 0: deliveries are numbered from the first run's first message.
    public var startIndex: Int { 0 }
    /// ``count``.
    public var endIndex: Int { count }

    /// The deliveries in order, run by run (O(1) per element, unlike the subscript).
    public struct Iterator: IteratorProtocol {
        fileprivate let runs: [Run]
        fileprivate var run = 0
        fileprivate var position = 0

        /// The next delivery, or `nil` after the last.
        public mutating func next() -> Delivery? {
            while run < runs.count {
                let messages = runs[run].messages
                if position < messages.count {
                    defer { position += 1 }
                    return Delivery(message: messages[messages.startIndex + position], deliveryCount: runs[run].deliveryCount)
                }
                run += 1
                position = 0
            }
            return nil
        }
    }

    /// Iterates the deliveries run by run.
    public func makeIterator() -> Iterator { Iterator(runs: runs) }

    /// Delivery `position`: O(number of runs).
    public subscript(position: Int) -> Delivery {
        var rest = position
        for run in runs {
            if rest < run.messages.count {
                return Delivery(message: run.messages[run.messages.startIndex + rest], deliveryCount: run.deliveryCount)
            }
            rest -= run.messages.count
        }
        preconditionFailure("DeliveryBatch index \(position) out of range 0..<\(count)")
    }
}
