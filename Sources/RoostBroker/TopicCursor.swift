import DequeModule

/// A message in flight to one member of a consumer.
struct PendingDelivery: Sendable {
    var message: Message
    /// Deliveries so far, this one included.
    var deliveries: Int
    /// When it is redelivered unless acked, ms since the epoch.
    var deadline: Int64
    var member: Int
}

/// A message waiting to be delivered again.
struct Redelivery: Sendable {
    var message: Message
    /// Deliveries so far.
    var deliveries: Int
    /// Not before this time, ms since the epoch (nacks with a delay).
    var notBefore: Int64
}

/// One consumer's position in one topic. Offsets below `ackFloor` are done; between `ackFloor` and
/// `nextOffset` each offset is acked, pending, waiting for redelivery, or being dead-lettered; from
/// `nextOffset` on nothing was delivered yet. Guarded by the consumer's lock.
struct TopicCursor: Sendable {
    let topic: Topic
    var nextOffset: Int64
    var ackFloor: Int64
    /// Acked offsets above the floor (explicit acks out of order).
    var acked: Set<Int64> = []
    var pending: [Int64: PendingDelivery] = [:]
    var redeliver: Deque<Redelivery> = []
    var delayed: [Redelivery] = []
    var deadLettering: Set<Int64> = []

    init(topic: Topic, position: Int64) {
        self.topic = topic
        self.nextOffset = position
        self.ackFloor = position
    }

    /// Marks `offset` acked and moves the floor over every acked offset at it.
    mutating func markAcked(_ offset: Int64) {
        guard offset >= ackFloor else { return }
        acked.insert(offset)
        while acked.remove(ackFloor) != nil { ackFloor += 1 }
    }

    /// Acks everything delivered up to and including `upTo`; returns the pending entries it removed.
    mutating func ackCumulative(upTo: Int64) -> [PendingDelivery] {
        let limit = min(upTo, nextOffset - 1)
        guard limit >= ackFloor else { return [] }
        var removed: [PendingDelivery] = []
        for offset in pending.keys where offset <= limit {
            if let entry = pending.removeValue(forKey: offset) { removed.append(entry) }
        }
        redeliver.removeAll { $0.message.offset <= limit }
        delayed.removeAll { $0.message.offset <= limit }
        ackFloor = limit + 1
        acked = acked.filter { $0 > limit }
        while acked.remove(ackFloor) != nil { ackFloor += 1 }
        return removed
    }

    /// Moves the cursor past records that retention deleted.
    mutating func skipDeleted(startOffset: Int64) {
        if nextOffset < startOffset { nextOffset = startOffset }
        if ackFloor < startOffset {
            ackFloor = startOffset
            acked = acked.filter { $0 >= startOffset }
            while acked.remove(ackFloor) != nil { ackFloor += 1 }
        }
    }

    /// Moves the cursor past offsets lost to damage on disk (`LogError.damagedOffsets`): they are never
    /// delivered, so they count as settled. Memory: nothing when the floor is at the damage (the usual case);
    /// otherwise one `acked` entry per damaged offset until the messages before it are settled.
    mutating func skipDamaged(_ offsets: Range<Int64>) {
        if nextOffset < offsets.upperBound { nextOffset = offsets.upperBound }
        if ackFloor >= offsets.lowerBound {
            skipDeleted(startOffset: offsets.upperBound)
        } else {
            for offset in offsets { acked.insert(offset) }
        }
    }

    /// Starts over at `position` (consumer reset).
    mutating func reset(to position: Int64) {
        self = TopicCursor(topic: topic, position: position)
    }

    /// Messages delivered and not yet acked (pending, waiting for redelivery, being dead-lettered).
    var unackedCount: Int { pending.count + redeliver.count + delayed.count + deadLettering.count }
}
