import Atomics
import CoreMetrics
import RoostStorage

/// One attached subscription of a consumer.
struct ConsumerMember: Sendable {
    let id: Int
    let sink: any DeliverySink
    let maxInFlight: Int
    /// Messages it may still be sent: explicit acks and `grantCredit` give it back, never above `maxInFlight`.
    var credit: Int
    /// Topics it was told it caught up on (cleared when the consumer falls behind on them).
    var caughtUp: Set<String> = []
}

/// A log read the pump must do outside the lock.
struct ReadPlan {
    let topic: Topic
    let from: Int64
    let maxMessages: Int
    /// Read-ahead: the chunk starting at `from` goes into the topic's read cache; nothing is assigned.
    var readAhead = false
}

/// What a pump step decided under the lock and carries out after releasing it.
struct Outbox {
    var deliveries: [Int: (sink: any DeliverySink, batch: DeliveryBatch)] = [:]
    var caughtUp: [(sink: any DeliverySink, topic: String, offset: Int64)] = []
    var deadLetters: [DeadLetter] = []
    var read: ReadPlan?
    var progressed = false
    /// The stored state (floors) changed.
    var changed = false
    var redeliveries = 0
    /// The deliveries were just read from the log (a pump step's read, on a reader queue).
    var fromLog = false

    mutating func send(metrics: ConsumerMetrics, counters: BrokerCounters) {
        var total = 0
        for (_, entry) in deliveries where !entry.batch.isEmpty {
            if fromLog { entry.sink.deliverFromLog(entry.batch) } else { entry.sink.deliver(entry.batch) }
            total += entry.batch.count
        }
        if total > 0 { counters.messagesOut.wrappingIncrement(by: Int64(total), ordering: .relaxed) }
        for event in caughtUp { event.sink.caughtUp(topic: event.topic, offset: event.offset) }
        if redeliveries > 0 { metrics.redeliveries.increment(by: redeliveries) }
    }
}

/// The lock-guarded state of a `Consumer`: a pure state machine over cursors and members, driven by the pump,
/// acks, credit and the clock.
struct ConsumerState: Sendable {
    let settings: Consumer.Settings
    var cursors: [String: TopicCursor] = [:]
    var topicOrder: [String] = []
    var nextTopicIndex = 0
    var members: [Int: ConsumerMember] = [:]
    var memberOrder: [Int] = []
    var currentMember = 0
    var pumpScheduled = false
    var pumpAgain = false
    /// When the consumer was created, ms since the epoch.
    var createdAt: Int64 = 0
    /// A log read failed (an I/O error, not damage or retention): the next broker tick runs the pump to retry it.
    /// Without one the tick leaves the consumer alone, so idle subscriptions cost no work ten times a second.
    var readFailed = false

    init(settings: Consumer.Settings) {
        self.settings = settings
    }

    var totalCredit: Int { members.values.reduce(0) { $0 + $1.credit } }

    mutating func addCursor(_ cursor: TopicCursor) {
        let name = cursor.topic.name
        if cursors.updateValue(cursor, forKey: name) == nil { topicOrder.append(name) }
    }

    mutating func removeCursor(_ name: String) {
        cursors[name] = nil
        topicOrder.removeAll { $0 == name }
    }

    /// Redeliveries first, then fresh messages from the fan-out's memory; notes one log read if a topic is
    /// behind what memory holds, and caught-up events for topics at the tail.
    mutating func plan(now: Int64, fanOut: any LiveFanOut, limits: BrokerConfiguration) -> Outbox {
        var outbox = Outbox()
        guard !members.isEmpty else { return outbox }
        guard totalCredit > 0 else {
            outbox.read = readAhead(fanOut: fanOut)
            return outbox
        }
        planRedeliveries(now: now, outbox: &outbox)
        guard !topicOrder.isEmpty else { return outbox }
        let first = nextTopicIndex % topicOrder.count
        nextTopicIndex &+= 1
        for index in 0..<topicOrder.count {
            let credit = totalCredit
            guard credit > 0 else { break }
            let name = topicOrder[(first + index) % topicOrder.count]
            guard var cursor = cursors[name] else { continue }
            let log = cursor.topic.log
            cursor.skipDeleted(startOffset: log.startOffset)
            cursors[name] = cursor
            let want = min(credit, limits.readBatchMessages)
            let cached = fanOut.recent(topic: name, from: cursor.nextOffset, maxMessages: want)
            if !cached.isEmpty {
                assign(topic: name, messages: cached, fromLog: false, now: now, outbox: &outbox)
            } else if cursor.nextOffset < log.endOffset {
                // An append that reached the log but not yet the fan-out: its publish wakes this consumer with the
                // messages in memory, so a read now would only race it (and cost a read per delivery at the tail).
                if let published = fanOut.publishedEnd(topic: name), cursor.nextOffset >= published { continue }
                if outbox.read == nil { outbox.read = ReadPlan(topic: cursor.topic, from: cursor.nextOffset, maxMessages: want) }
            } else {
                for id in memberOrder where members[id]?.caughtUp.contains(name) == false {
                    members[id]?.caughtUp.insert(name)
                    if let sink = members[id]?.sink { outbox.caughtUp.append((sink, name, cursor.nextOffset)) }
                }
            }
        }
        return outbox
    }

    /// A consumer behind the tail cache that waits for credit: the next chunk it will read, if not cached yet, so
    /// the pump reads it now instead of after the credit comes back (one read less on the replay's critical path).
    private func readAhead(fanOut: any LiveFanOut) -> ReadPlan? {
        for name in topicOrder {
            guard let cursor = cursors[name], cursor.nextOffset < cursor.topic.log.endOffset,
                fanOut.recent(topic: name, from: cursor.nextOffset, maxMessages: 1).isEmpty,
                let chunk = cursor.topic.readCache.chunkToReadAhead(cursor.topic, from: cursor.nextOffset)
            else { continue }
            return ReadPlan(topic: cursor.topic, from: chunk, maxMessages: 0, readAhead: true)
        }
        return nil
    }

    /// Hands messages read from the log to members (the second half of a step).
    mutating func assignFresh(topic: String, messages: [Message], fromLog: Bool, now: Int64, limits: BrokerConfiguration) -> Outbox {
        var outbox = Outbox()
        outbox.fromLog = fromLog
        assign(topic: topic, messages: messages, fromLog: fromLog, now: now, outbox: &outbox)
        return outbox
    }

    /// Gives consecutive messages starting at the cursor's `nextOffset` to members, a run per member while
    /// its credit lasts (one dictionary update per run, not per message), skipping offsets acked before.
    private mutating func assign(topic: String, messages: [Message], fromLog: Bool, now: Int64, outbox: inout Outbox) {
        guard var cursor = cursors[topic], let first = messages.first, first.offset == cursor.nextOffset else { return }
        if fromLog {
            for id in memberOrder { members[id]?.caughtUp.remove(topic) }
        }
        var delivered = 0
        var index = 0
        while index < messages.count {
            if !cursor.acked.isEmpty, cursor.acked.contains(messages[index].offset) {
                cursor.nextOffset = messages[index].offset + 1
                index += 1
                continue
            }
            guard let memberID = pickMember(), var member = members[memberID] else { break }
            var end = index
            let limit = min(messages.count, index + member.credit)
            while end < limit, cursor.acked.isEmpty || !cursor.acked.contains(messages[end].offset) { end += 1 }
            let run = messages[index..<end]
            member.credit -= run.count
            members[memberID] = member
            if settings.ackPolicy == .explicit {
                let deadline = now + settings.ackWaitMilliseconds
                for message in run {
                    cursor.pending[message.offset] = PendingDelivery(message: message, deliveries: 1, deadline: deadline, member: memberID)
                }
            }
            // One run (a slice of `messages`), not a `Delivery` per message.
            outbox.deliveries[memberID, default: (member.sink, DeliveryBatch())].batch.append(run)
            cursor.nextOffset = messages[end - 1].offset + 1
            delivered += run.count
            index = end
        }
        if delivered > 0 {
            outbox.progressed = true
            cursor.topic.messagesOut.increment(by: delivered)
        }
        if settings.ackPolicy == .none, cursor.ackFloor != cursor.nextOffset {
            cursor.ackFloor = cursor.nextOffset
            cursor.acked.removeAll()
            outbox.changed = true
        }
        cursors[topic] = cursor
    }

    private mutating func planRedeliveries(now: Int64, outbox: inout Outbox) {
        for name in topicOrder {
            guard var cursor = cursors[name], !cursor.redeliver.isEmpty else { continue }
            while let entry = cursor.redeliver.first {
                if let max = settings.maxDeliveries, entry.deliveries >= max {
                    cursor.redeliver.removeFirst()
                    cursor.deadLettering.insert(entry.message.offset)
                    outbox.deadLetters.append(DeadLetter(message: entry.message, deliveries: entry.deliveries, reason: .maxDeliveries))
                    continue
                }
                guard let member = pickMember() else { break }
                cursor.redeliver.removeFirst()
                deliver(entry.message, deliveries: entry.deliveries + 1, to: member, cursor: &cursor, now: now, outbox: &outbox)
                outbox.redeliveries += 1
                cursor.topic.messagesOut.increment()
            }
            cursors[name] = cursor
        }
    }

    /// The member to give the next message to: the current one while it has credit, then the next in turn.
    private mutating func pickMember() -> Int? {
        guard !memberOrder.isEmpty else { return nil }
        for step in 0..<memberOrder.count {
            let index = (currentMember + step) % memberOrder.count
            if let member = members[memberOrder[index]], member.credit > 0 {
                currentMember = index
                return member.id
            }
        }
        return nil
    }

    private mutating func deliver(_ message: Message, deliveries: Int, to memberID: Int, cursor: inout TopicCursor, now: Int64, outbox: inout Outbox) {
        guard var member = members[memberID] else { return }
        member.credit -= 1
        members[memberID] = member
        if settings.ackPolicy == .explicit {
            cursor.pending[message.offset] = PendingDelivery(
                message: message, deliveries: deliveries, deadline: now + settings.ackWaitMilliseconds, member: memberID)
        }
        outbox.deliveries[memberID, default: (member.sink, DeliveryBatch())].batch.append([message], deliveryCount: deliveries)
        outbox.progressed = true
    }
}
