import NIOCore
import RoostBroker
import RoostProtocol

/// What a publish request needs when its confirm comes back from storage.
struct PublishTicket: Sendable {
    /// Its slot in the reply queue.
    var sequence: UInt64
    var id: RequestID?
    var isBatch: Bool
    var bytes: Int
}

/// Counts of one inbox drain, handed to the statistics once.
struct PublishTally {
    var requests = 0
    var messages = 0
    var bytes = 0
}

extension BrokerSession {
    /// Hands a publish to the broker; its confirm or error is written in request order when storage answers.
    /// Reading from the socket pauses while too many publishes wait, so a fast publisher is slowed by TCP.
    func publish(id: RequestID?, topic: String, entries: [PublishEntry], isBatch: Bool) {
        guard !isDraining else {
            reply(error: BrokerError(code: .shuttingDown, message: "the server is shutting down"), id: id)
            return
        }
        if let refusal = publishRefusal(topic: topic, count: entries.count, id: id) {
            reply(error: refusal, id: id)
            return
        }
        var bytes = 0
        let messages = entries.map { entry in
            bytes += entry.payload.readableBytes
            return PublishMessage(entry)
        }
        let ticket = PublishTicket(sequence: replies.reserve(bytes: bytes), id: id, isBatch: isBatch, bytes: bytes)
        let inbox = self.inbox
        broker.publish(topic: topic, messages: messages, endOfTurn: endOfTurn) { result in
            inbox.post(.published(ticket, result))
        }
        if !readingPaused, replies.waitingCount >= configuration.maxPendingPublishes
            || replies.waitingBytes >= configuration.maxPendingPublishBytes
        {
            setReading(false)
        }
    }

    /// Turns a storage answer into the request's `ok` (or `error`) in its reply slot.
    func completePublish(_ ticket: PublishTicket, _ result: Result<PublishConfirm, BrokerError>, tally: inout PublishTally) {
        tally.requests += 1
        var frame: ServerFrame?
        switch result {
        case .success(let confirm):
            tally.messages += confirm.messages.count
            tally.bytes += ticket.bytes
            if let id = ticket.id, let first = confirm.messages.first {
                frame = .ok(OKFrame(
                    id: id, offset: first.offset, timestamp: first.timestamp,
                    count: ticket.isBatch ? UInt32(clamping: confirm.messages.count) : nil, durable: confirm.durable))
            }
        case .failure(let error):
            frame = .error(errorFrame(error, id: ticket.id))
        }
        replies.fill(ticket.sequence, with: .init(frame: frame, opensSubscription: nil))
    }
}
