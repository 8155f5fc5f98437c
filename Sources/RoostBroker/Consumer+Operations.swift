import CoreMetrics
import NIOConcurrencyHelpers
import RoostStorage

/// The consumer's entry points besides the pump: each takes the lock briefly, then wakes the pump if the
/// change made something deliverable.
extension Consumer {
    var createdAt: Int64 { state.withLockedValue { $0.createdAt } }

    /// Starts following `topic` at `position` (or restores a stored cursor).
    func attach(_ cursor: TopicCursor) {
        state.withLockedValue { $0.addCursor(cursor) }
        fanOut.addListener(self, topic: cursor.topic.name)
        wake()
    }

    /// Stops following a deleted topic.
    func detach(topic: String) {
        fanOut.removeListener(self, topic: topic)
        state.withLockedValue { $0.removeCursor(topic) }
        if durable { hooks.changed(self) }
    }

    /// Names of the topics it follows.
    var topicNames: [String] { state.withLockedValue { $0.topicOrder } }

    func addMember(_ member: ConsumerMember) {
        state.withLockedValue { $0.addMember(member) }
        wake()
    }

    /// Detaches a member and returns whether any are left.
    @discardableResult
    func removeMember(_ id: Int) -> (removed: ConsumerMember?, remaining: Int) {
        let result = state.withLockedValue { state in (state.removeMember(id), state.members.count) }
        wake()
        return result
    }

    /// Detaches every member (shutdown, delete) and returns them.
    func removeAllMembers() -> [ConsumerMember] {
        state.withLockedValue { state in
            let members = state.memberOrder.compactMap { state.members[$0] }
            for member in members { _ = state.removeMember(member.id) }
            return members
        }
    }

    var memberCount: Int { state.withLockedValue { $0.members.count } }

    func ack(topic: String, offset: Int64) throws(BrokerError) {
        let outcome = state.withLockedValue { $0.ack(topic: topic, offset: offset) }
        guard case .acked(let wake) = outcome else {
            throw BrokerError(code: .notInFlight, message: "offset \(offset) of '\(topic)' is not in flight for consumer '\(name)'")
        }
        if durable { hooks.changed(self) }
        if wake { self.wake() }
    }

    func ack(topic: String, offsets: [Int64]) throws(BrokerError) {
        let (wake, missing) = state.withLockedValue { $0.ack(topic: topic, offsets: offsets) }
        if durable, missing < offsets.count { hooks.changed(self) }
        if wake { self.wake() }
        if missing > 0 {
            throw BrokerError(code: .notInFlight, message: "\(missing) of \(offsets.count) offsets of '\(topic)' were not in flight for consumer '\(name)'")
        }
    }

    func inProgress(topic: String, offset: Int64) throws(BrokerError) {
        let now = clock.nowMilliseconds()
        guard state.withLockedValue({ $0.inProgress(topic: topic, offset: offset, now: now) }) else {
            throw BrokerError(code: .notInFlight, message: "offset \(offset) of '\(topic)' is not in flight for consumer '\(name)'")
        }
    }

    func terminate(topic: String, offset: Int64) throws(BrokerError) {
        guard let (deadLetter, wake) = state.withLockedValue({ $0.terminate(topic: topic, offset: offset) }) else {
            throw BrokerError(code: .notInFlight, message: "offset \(offset) of '\(topic)' is not in flight for consumer '\(name)'")
        }
        hooks.deadLetter(self, [deadLetter])
        if wake { self.wake() }
    }

    func ackCumulative(topic: String, upTo: Int64) {
        let wake = state.withLockedValue { $0.ackCumulative(topic: topic, upTo: upTo) }
        if durable { hooks.changed(self) }
        if wake { self.wake() }
    }

    func nack(topic: String, offset: Int64, delay: Int64) throws(BrokerError) {
        let now = clock.nowMilliseconds()
        let outcome = state.withLockedValue { $0.nack(topic: topic, offset: offset, delay: delay, now: now) }
        guard case .acked = outcome else {
            throw BrokerError(code: .notInFlight, message: "offset \(offset) of '\(topic)' is not in flight for consumer '\(name)'")
        }
        wake()
    }

    func grantCredit(member: Int, _ amount: Int) {
        if state.withLockedValue({ $0.grantCredit(member: member, amount) }) { wake() }
    }

    func deadLettered(topic: String, offset: Int64) {
        state.withLockedValue { $0.deadLettered(topic: topic, offset: offset) }
        metrics.deadLetters.increment()
        if durable { hooks.changed(self) }
    }

    func deadLetterFailed(topic: String, message: Message, deliveries: Int) {
        state.withLockedValue { $0.deadLetterFailed(topic: topic, message: message, deliveries: deliveries) }
        wake()
    }

    /// Ack wait expiry and delayed nacks as of `now`; refreshes the lag and in-flight gauges.
    func tick(now: Int64) {
        let (wake, inFlight, lag) = state.withLockedValue { state in
            // A read that failed is retried once per tick (members present); otherwise only timed work wakes the pump.
            var wake = state.tick(now: now)
            if state.readFailed, !state.members.isEmpty {
                state.readFailed = false
                wake = true
            }
            var inFlight = 0
            var lag: Int64 = 0
            for cursor in state.cursors.values {
                inFlight += cursor.unackedCount
                lag += max(0, cursor.topic.log.endOffset - cursor.ackFloor)
            }
            return (wake, inFlight, lag)
        }
        metrics.inFlight?.record(inFlight)
        metrics.lag?.record(lag)
        if wake { self.wake() }
    }

    /// Moves every cursor to `position(topic)`, forgetting in-flight state. Only without members.
    func reset(_ position: (Topic) throws -> Int64) throws(BrokerError) {
        do {
            try state.withLockedValue { state in
                guard state.members.isEmpty else {
                    throw BrokerError(code: .consumerBusy, message: "consumer '\(name)' has attached members")
                }
                for name in state.topicOrder {
                    guard var cursor = state.cursors[name] else { continue }
                    cursor.reset(to: try position(cursor.topic))
                    state.cursors[name] = cursor
                }
            }
        } catch {
            throw BrokerError.storage(error, "reset of consumer '\(name)'")
        }
        if durable { hooks.changed(self) }
    }

    /// The stored form of the current state.
    func snapshot() -> PersistedConsumer {
        state.withLockedValue { state in
            var cursors: [String: PersistedConsumer.Cursor] = [:]
            for (name, cursor) in state.cursors {
                cursors[name] = .init(ackFloor: cursor.ackFloor, acked: PersistedConsumer.ranges(cursor.acked))
            }
            return PersistedConsumer(name: name, settings: settings, createdAt: state.createdAt, cursors: cursors)
        }
    }

    /// What an operator sees.
    func describe() -> ConsumerDescription {
        state.withLockedValue { state in
            let topics = state.topicOrder.compactMap { name -> ConsumerDescription.TopicPosition? in
                guard let cursor = state.cursors[name] else { return nil }
                let end = cursor.topic.log.endOffset
                return .init(
                    topic: name, ackFloor: cursor.ackFloor, nextOffset: cursor.nextOffset, endOffset: end,
                    inFlight: cursor.pending.count, unacked: cursor.unackedCount, lag: max(0, end - cursor.ackFloor))
            }
            return ConsumerDescription(
                name: name, durable: durable, filter: settings.filter, ackPolicy: settings.ackPolicy,
                ackWaitMilliseconds: settings.ackWaitMilliseconds, maxDeliveries: settings.maxDeliveries,
                members: state.members.count, createdAt: state.createdAt, topics: topics)
        }
    }
}
