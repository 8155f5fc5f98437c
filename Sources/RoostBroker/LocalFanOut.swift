import DequeModule
import NIOConcurrencyHelpers

/// The in-process `LiveFanOut`: per topic, a tail cache of the newest messages (bounded by count and
/// bytes) and the set of listeners. One lock per topic, held for a few pointer operations.
public final class LocalFanOut: LiveFanOut {
    private struct TopicState: Sendable {
        var messages: Deque<Message> = []
        var bytes = 0
        /// The offset after the newest message published (`publishedEnd`).
        var end: Int64?
        var listeners: [ObjectIdentifier: any LiveListener] = [:]
    }

    private final class Slot: Sendable {
        let state = NIOLockedValueBox(TopicState())
    }

    private let maxMessages: Int
    private let maxBytes: Int
    private let slots = NIOLockedValueBox([String: Slot]())

    /// - Parameters:
    ///   - maxMessages: messages kept per topic.
    ///   - maxBytes: payload bytes kept per topic (at least one message is kept).
    public init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    private func slot(_ topic: String) -> Slot {
        slots.withLockedValue { slots in
            if let slot = slots[topic] { return slot }
            let slot = Slot()
            slots[topic] = slot
            return slot
        }
    }

    public func publish(topic: String, messages: [Message]) {
        guard let first = messages.first else { return }
        let listeners: [any LiveListener] = slot(topic).state.withLockedValue { state in
            // A gap (appends completing out of order) restarts the cache: readers fall back to the log.
            if let last = messages.last { state.end = max(state.end ?? 0, last.offset + 1) }
            if let last = state.messages.last, last.offset + 1 != first.offset {
                if last.offset >= first.offset { return Array(state.listeners.values) }
                state.messages.removeAll()
                state.bytes = 0
            }
            for message in messages {
                state.messages.append(message)
                state.bytes += message.sizeInBytes
            }
            while state.messages.count > maxMessages || (state.bytes > maxBytes && state.messages.count > 1) {
                state.bytes -= state.messages.removeFirst().sizeInBytes
            }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.messagesAvailable(topic: topic) }
    }

    public func recent(topic: String, from offset: Int64, maxMessages: Int) -> [Message] {
        guard let slot = slots.withLockedValue({ $0[topic] }) else { return [] }
        return slot.state.withLockedValue { state in
            guard let first = state.messages.first, offset >= first.offset else { return [] }
            let start = Int(offset - first.offset)
            guard start < state.messages.count else { return [] }
            let end = min(state.messages.count, start + maxMessages)
            return Array(state.messages[start..<end])
        }
    }

    public func publishedEnd(topic: String) -> Int64? {
        guard let slot = slots.withLockedValue({ $0[topic] }) else { return nil }
        return slot.state.withLockedValue { $0.end }
    }

    public func listenerCount(topic: String) -> Int? {
        guard let slot = slots.withLockedValue({ $0[topic] }) else { return 0 }
        return slot.state.withLockedValue { $0.listeners.count }
    }

    public func addListener(_ listener: any LiveListener, topic: String) {
        slot(topic).state.withLockedValue { $0.listeners[ObjectIdentifier(listener)] = listener }
    }

    public func removeListener(_ listener: any LiveListener, topic: String) {
        slot(topic).state.withLockedValue { _ = $0.listeners.removeValue(forKey: ObjectIdentifier(listener)) }
    }

    public func removeTopic(_ topic: String) {
        _ = slots.withLockedValue { $0.removeValue(forKey: topic) }
    }
}
