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
        case .deliveries(let deliveries, let start, let runs) where subscription.batch == 1:
            let delivery = deliveries[start]
            if start + 1 < deliveries.count { subscription.queue.prepend(.deliveries(deliveries, from: start + 1, runs: runs)) }
            let encoded = encode(delivery)
            output.frame { codec.writeMessage(sub: sub, encoded, into: &$0) }
            return 1
        case .deliveries(let deliveries, let start, let runs):
            subscription.queue.prepend(.deliveries(deliveries, from: start, runs: runs))
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
    private func takeRuns(
        of subscription: SessionSubscription, upTo limit: Int, into runs: inout [(run: EncodedDeliveryRun, range: Range<Int>)]
    ) -> Int {
        var taken = 0
        while taken < limit, case .deliveries(let deliveries, let start, let preEncoded)? = subscription.queue.first {
            subscription.queue.removeFirst()
            var index = start
            while index < deliveries.endIndex, taken < limit {
                let message = deliveries[index].message
                if deliveries[index].deliveryCount != 1 {
                    let run = codec.encodeDeliveryRun([DeliveredMessage(message, deliveries: deliveries[index].deliveryCount)])
                    runs.append((run, 0..<1))
                    index += 1
                    taken += 1
                    continue
                }
                // The longest stretch that continues `message` in its block segment.
                let block = message.block
                let segment = message.index / MessageBlock.segmentSize
                let segmentEnd = block.segmentRange(segment).upperBound
                var end = index + 1
                var next = message.index + 1
                while end < deliveries.endIndex, taken + (end - index) < limit, next < segmentEnd,
                    deliveries[end].deliveryCount == 1, deliveries[end].message.block === block,
                    deliveries[end].message.index == next
                {
                    end += 1
                    next += 1
                }
                let run = preEncoded?.first(where: { $0.block === block && $0.segment == segment })?.run
                    ?? encodedRun(of: block, segment: segment)
                let base = segment * MessageBlock.segmentSize
                runs.append((run, (message.index - base)..<(next - base)))
                taken += end - index
                index = end
            }
            if index < deliveries.endIndex {
                subscription.queue.prepend(.deliveries(deliveries, from: index, runs: preEncoded))
            }
        }
        return taken
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
