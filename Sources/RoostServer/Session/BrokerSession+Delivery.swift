import NIOCore
import RoostBroker
import RoostProtocol

extension BrokerSession {
    /// Writes queued deliveries while the socket is writable, `batch` messages per frame, checking writability
    /// every ``SessionConfiguration/writeChunkBytes``. With ack none, credit goes back to the broker for what was
    /// written, so a subscriber that stops reading stops the broker's deliveries at its in-flight limit.
    func pumpDeliveries() {
        guard !isClosed, !subscriptions.isEmpty, session.isWritable else { return }
        var messages = 0
        var bytes = 0
        var writable = true
        for subscription in subscriptions.values where subscription.announced && !subscription.queue.isEmpty {
            var written = 0
            while writable, !subscription.queue.isEmpty {
                let before = output.byteCount
                written += writeNext(of: subscription)
                bytes += output.byteCount - before
                if output.byteCount >= configuration.writeChunkBytes { writable = flush() }
            }
            messages += written
            if subscription.grantsCredit, written > 0 { subscription.subscription.grantCredit(written) }
            if !writable { break }
        }
        statistics.delivered(messages: messages, bytes: bytes)
        var unwritten = 0
        for subscription in subscriptions.values { unwritten += subscription.queue.count }
        inbox.noteUnwritten(batches: unwritten)
    }

    /// Encodes the next frame of `subscription`'s queue; returns the messages it carried.
    private func writeNext(of subscription: SessionSubscription) -> Int {
        guard let first = subscription.queue.popFirst() else { return 0 }
        let codec = self.codec
        let sub = subscription.name
        switch first {
        case .caughtUp(let topic, let offset):
            output.frame { codec.encode(.caughtUp(CaughtUpFrame(sub: sub, topic: topic, offset: offset)), into: &$0) }
            return 0
        case .skipped(let topic, let offsets):
            statistics.error(code: ErrorCode.dataLoss.rawValue)
            let frame = ErrorFrame(code: .dataLoss, message: Self.dataLossMessage(sub: sub, topic: topic, offsets: offsets))
            output.frame { codec.encode(.error(frame), into: &$0) }
            return 0
        case .deliveries(let batch, let run, let at, let runs) where subscription.batch == 1:
            let messages = batch.runs[run].messages
            let delivery = Delivery(message: messages[messages.startIndex + at], deliveryCount: batch.runs[run].deliveryCount)
            let (nextRun, nextAt) = at + 1 < messages.count ? (run, at + 1) : (run + 1, 0)
            if nextRun < batch.runs.count { subscription.queue.prepend(.deliveries(batch, run: nextRun, at: nextAt, runs: runs)) }
            let encoded = encode(delivery)
            output.frame { codec.writeMessage(sub: sub, encoded, into: &$0) }
            return 1
        case .deliveries:
            subscription.queue.prepend(first)
            var runs: [(run: EncodedDeliveryRun, range: Range<Int>)] = []
            let count = takeRuns(of: subscription, upTo: subscription.batch, into: &runs)
            let parts = runs.indices.map { runs[$0].run.messagesPart(runs[$0].range, endsFrame: $0 == runs.count - 1) }
            output.sharedFrame(
                prefix: { codec.writeMessagesHeader(sub: sub, into: &$0) }, parts: parts,
                suffix: { codec.writeMessagesTrailer(into: &$0) })
            return count
        }
    }

    /// Takes up to `limit` deliveries from the front of the queue as ranges of shared encoded runs (one per stretch
    /// of consecutive first deliveries of one block segment; a redelivery is a run of its own); returns how many.
    /// Works run by run and segment by segment: a stretch is checked at its ends, not message by message.
    private func takeRuns(
        of subscription: SessionSubscription, upTo limit: Int, into runs: inout [(run: EncodedDeliveryRun, range: Range<Int>)]
    ) -> Int {
        var taken = 0
        while taken < limit, case .deliveries(let batch, var run, var at, let preEncoded)? = subscription.queue.first {
            subscription.queue.removeFirst()
            while run < batch.runs.count, taken < limit {
                let messages = batch.runs[run].messages
                let deliveryCount = batch.runs[run].deliveryCount
                let message = messages[messages.startIndex + at]
                if deliveryCount != 1 {
                    runs.append((codec.encodeDeliveryRun([DeliveredMessage(message, deliveries: deliveryCount)]), 0..<1))
                    at += 1
                    taken += 1
                } else {
                    let length = Self.stretch(in: messages, from: at, limit: limit - taken)
                    let block = message.block
                    let segment = message.index / MessageBlock.segmentSize
                    let encoded = preEncoded?.first(where: { $0.block === block && $0.segment == segment })?.run
                        ?? encodedRun(of: block, segment: segment)
                    let base = segment * MessageBlock.segmentSize
                    runs.append((encoded, (message.index - base)..<(message.index - base + length)))
                    at += length
                    taken += length
                }
                if at == messages.count {
                    run += 1
                    at = 0
                }
            }
            if run < batch.runs.count {
                subscription.queue.prepend(.deliveries(batch, run: run, at: at, runs: preEncoded))
            }
        }
        return taken
    }

    /// How many messages from `at` on (at most `limit`) continue `messages[at]` in its block segment: the messages
    /// of a run have consecutive offsets, so when the last one of the candidate stretch is its block's record at the
    /// matching index, so is every one between (checked message by message only when not).
    static func stretch(in messages: ArraySlice<Message>, from at: Int, limit: Int) -> Int {
        let first = messages[messages.startIndex + at]
        let block = first.block
        let segmentEnd = block.segmentRange(first.index / MessageBlock.segmentSize).upperBound
        let length = min(messages.count - at, limit, segmentEnd - first.index)
        func continues(_ offset: Int) -> Bool {
            let message = messages[messages.startIndex + at + offset]
            return message.block === block && message.index == first.index + offset
        }
        if length <= 1 || continues(length - 1) { return max(1, length) }
        var end = 1
        while end < length, continues(end) { end += 1 }
        return end
    }

    /// A block segment encoded once per wire encoding, shared by every session that writes it.
    private func encodedRun(of block: MessageBlock, segment: Int) -> EncodedDeliveryRun {
        Self.encodedRun(of: block, segment: segment, codec: codec, key: encodingKey)
    }

    /// A block segment in `codec`'s encoding, from the block's cache or encoded into it. Safe from any thread
    /// (the sinks of catching-up subscriptions call it on broker reader queues).
    static func encodedRun(of block: MessageBlock, segment: Int, codec: any FrameCodec, key: MessageEncodingKey) -> EncodedDeliveryRun {
        block.encoded(as: key, segment: segment) { block, range in
            codec.encodeDeliveryRun(BlockRunSource(block: block, range: range))
        }
    }

    /// The documented text of a `data_loss` notice (Docs/protocol.md): names the subscription, the topic and
    /// the first and last skipped offset, so that a client can parse them.
    static func dataLossMessage(sub: String, topic: String, offsets: Range<Int64>) -> String {
        "sub \(sub) topic \(topic) offsets \(offsets.lowerBound)-\(offsets.upperBound - 1) damaged on disk, skipped"
    }

    /// The subscriber-independent bytes of a delivery: encoded once per message and encoding and shared by every
    /// subscriber (the message's cache); a redelivery carries its own delivery count, so it is encoded apart.
    private func encode(_ delivery: Delivery) -> EncodedDelivery {
        let codec = self.codec
        guard delivery.deliveryCount == 1 else {
            return codec.encodeDelivery(DeliveredMessage(delivery.message, deliveries: delivery.deliveryCount))
        }
        let body = delivery.message.encoded(as: encodingKey) { message in
            codec.encodeDelivery(DeliveredMessage(message, deliveries: 1)).body
        }
        return EncodedDelivery(encoding: wireEncoding, body: body)
    }
}
