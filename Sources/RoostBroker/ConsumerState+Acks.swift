/// Acks, credit, members and time: the inputs of the consumer state machine besides the pump. Each returns
/// whether the pump should run (a member got credit back, or messages became deliverable again).
extension ConsumerState {
    enum AckOutcome {
        case acked(wake: Bool)
        case notInFlight
    }

    /// Individual ack. Any member of the consumer may ack any of its in-flight messages.
    mutating func ack(topic: String, offset: Int64) -> AckOutcome {
        guard var cursor = cursors[topic] else { return .notInFlight }
        guard let entry = cursor.pending.removeValue(forKey: offset) else { return .notInFlight }
        cursor.markAcked(offset)
        cursors[topic] = cursor
        return .acked(wake: returnCredit(to: entry.member))
    }

    /// Acks several offsets under one lock; returns whether a member got credit back from zero and how many
    /// offsets were not in flight.
    mutating func ack(topic: String, offsets: [Int64]) -> (wake: Bool, notInFlight: Int) {
        var wake = false
        var missing = 0
        for offset in offsets {
            switch ack(topic: topic, offset: offset) {
            case .acked(let credit): wake = wake || credit
            case .notInFlight: missing += 1
            }
        }
        return (wake, missing)
    }

    /// Work in progress: the ack wait of an in-flight message starts again from `now`.
    mutating func inProgress(topic: String, offset: Int64, now: Int64) -> Bool {
        guard cursors[topic]?.pending[offset] != nil else { return false }
        cursors[topic]?.pending[offset]?.deadline = now + settings.ackWaitMilliseconds
        return true
    }

    /// Terminate: the message will not be redelivered; it goes to the dead-letter topic (then counts as acked).
    mutating func terminate(topic: String, offset: Int64) -> (DeadLetter, wake: Bool)? {
        guard var cursor = cursors[topic], let entry = cursor.pending.removeValue(forKey: offset) else { return nil }
        cursor.deadLettering.insert(offset)
        cursors[topic] = cursor
        let wake = returnCredit(to: entry.member)
        return (DeadLetter(message: entry.message, deliveries: entry.deliveries, reason: .terminated), wake)
    }

    /// Cumulative ack: everything delivered on `topic` up to and including `upTo`.
    mutating func ackCumulative(topic: String, upTo: Int64) -> Bool {
        guard var cursor = cursors[topic] else { return false }
        let removed = cursor.ackCumulative(upTo: upTo)
        cursors[topic] = cursor
        var wake = false
        for entry in removed where returnCredit(to: entry.member) { wake = true }
        return wake
    }

    /// Negative ack: redeliver now (`delay <= 0`) or once `now + delay` has passed.
    mutating func nack(topic: String, offset: Int64, delay: Int64, now: Int64) -> AckOutcome {
        guard var cursor = cursors[topic], let entry = cursor.pending.removeValue(forKey: offset) else { return .notInFlight }
        let redelivery = Redelivery(message: entry.message, deliveries: entry.deliveries, notBefore: now + delay)
        if delay <= 0 { cursor.redeliver.append(redelivery) } else { cursor.delayed.append(redelivery) }
        cursors[topic] = cursor
        _ = returnCredit(to: entry.member)
        return .acked(wake: true)
    }

    /// A dead letter was stored: the message counts as acked.
    mutating func deadLettered(topic: String, offset: Int64) {
        guard var cursor = cursors[topic], cursor.deadLettering.remove(offset) != nil else { return }
        cursor.markAcked(offset)
        cursors[topic] = cursor
    }

    /// Storing a dead letter failed: try the whole cycle again later.
    mutating func deadLetterFailed(topic: String, message: Message, deliveries: Int) {
        guard var cursor = cursors[topic], cursor.deadLettering.remove(message.offset) != nil else { return }
        cursor.redeliver.append(Redelivery(message: message, deliveries: deliveries, notBefore: 0))
        cursors[topic] = cursor
    }

    /// Credit for ack policy none (ignored for explicit, where acks return credit).
    mutating func grantCredit(member id: Int, _ amount: Int) -> Bool {
        guard settings.ackPolicy == .none, amount > 0, var member = members[id] else { return false }
        let wasEmpty = member.credit <= 0
        member.credit = min(member.maxInFlight, member.credit + amount)
        members[id] = member
        return wasEmpty && member.credit > 0
    }

    /// Ack wait expiry and delayed nacks, as of `now`. Returns whether anything became deliverable.
    mutating func tick(now: Int64) -> Bool {
        var wake = false
        for name in topicOrder {
            guard var cursor = cursors[name] else { continue }
            if settings.ackPolicy == .explicit, !cursor.pending.isEmpty {
                let expired = cursor.pending.filter { $0.value.deadline <= now }.sorted { $0.key < $1.key }
                for (offset, entry) in expired {
                    cursor.pending[offset] = nil
                    cursor.redeliver.append(Redelivery(message: entry.message, deliveries: entry.deliveries, notBefore: now))
                    _ = returnCredit(to: entry.member)
                    wake = true
                }
            }
            if !cursor.delayed.isEmpty {
                let ready = cursor.delayed.filter { $0.notBefore <= now }.sorted { $0.message.offset < $1.message.offset }
                if !ready.isEmpty {
                    cursor.delayed.removeAll { $0.notBefore <= now }
                    cursor.redeliver.append(contentsOf: ready)
                    wake = true
                }
            }
            cursors[name] = cursor
        }
        return wake
    }

    mutating func addMember(_ member: ConsumerMember) {
        members[member.id] = member
        memberOrder.append(member.id)
    }

    /// Detaches a member; what it had in flight goes back for redelivery to the others, in offset order.
    mutating func removeMember(_ id: Int) -> ConsumerMember? {
        guard let member = members.removeValue(forKey: id) else { return nil }
        memberOrder.removeAll { $0 == id }
        for name in topicOrder {
            guard var cursor = cursors[name] else { continue }
            let orphaned = cursor.pending.filter { $0.value.member == id }.sorted { $0.key < $1.key }
            for (offset, entry) in orphaned {
                cursor.pending[offset] = nil
                cursor.redeliver.append(Redelivery(message: entry.message, deliveries: entry.deliveries, notBefore: 0))
            }
            cursors[name] = cursor
        }
        return member
    }

    private mutating func returnCredit(to id: Int) -> Bool {
        guard var member = members[id] else { return false }
        let wasEmpty = member.credit <= 0
        member.credit = min(member.maxInFlight, member.credit + 1)
        members[id] = member
        return wasEmpty
    }
}
