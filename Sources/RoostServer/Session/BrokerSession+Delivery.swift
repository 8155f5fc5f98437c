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
        case .delivery(let delivery) where subscription.batch == 1:
            let encoded = encode(delivery)
            output.frame { codec.writeMessage(sub: sub, encoded, into: &$0) }
            return 1
        case .delivery(let delivery):
            var batch = [encode(delivery)]
            while batch.count < subscription.batch, case .delivery(let next)? = subscription.queue.first {
                subscription.queue.removeFirst()
                batch.append(encode(next))
            }
            output.frame { buffer in
                codec.writeMessagesHeader(sub: sub, into: &buffer)
                for (index, encoded) in batch.enumerated() { codec.appendToMessages(encoded, isFirst: index == 0, into: &buffer) }
                codec.writeMessagesTrailer(into: &buffer)
            }
            return batch.count
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
