import RoostBroker
import RoostProtocol

extension BrokerSession {
    /// Opens a subscription; its deliveries are held back until the `ok` carrying `sub` is written.
    func subscribe(_ frame: SubscribeFrame) {
        guard !isDraining else {
            reply(error: BrokerError(code: .shuttingDown, message: "the server is shutting down"), id: frame.id)
            return
        }
        if let refusal = subscribeRefusal(frame) {
            reply(error: refusal, id: frame.id)
            return
        }
        guard subscriptions.count < configuration.maxSubscriptionsPerConnection else {
            reply(error: ProtocolError(
                code: .tooManySubscriptions,
                message: "this connection has \(configuration.maxSubscriptionsPerConnection) subscriptions, the maximum"),
                id: frame.id)
            return
        }
        let batch = Int(frame.batch ?? 1)
        guard (1...configuration.maxDeliveryBatch).contains(batch) else {
            reply(error: ProtocolError(
                code: .invalidField, field: "batch", message: "field 'batch' must be 1...\(configuration.maxDeliveryBatch)"),
                id: frame.id)
            return
        }
        let ackPolicy = RoostBroker.AckPolicy(frame.ack ?? .none)
        let request = SubscriptionRequest(
            filter: frame.topic, consumer: frame.consumer, start: .init(frame.from ?? .latest), ackPolicy: ackPolicy,
            ackWaitMilliseconds: frame.ackWaitMilliseconds.map { Int64(clamping: $0) } ?? configuration.defaultAckWaitMilliseconds,
            maxDeliveries: frame.maxDeliveries.map { Int($0) } ?? configuration.defaultMaxDeliveries,
            maxInFlight: frame.maxInflight.map { Int($0) } ?? configuration.defaultMaxInFlight,
            initialCredit: ackPolicy == .none ? frame.credit.map { Int($0) } : nil)
        let key = nextSubscriptionKey
        nextSubscriptionKey += 1
        let opened: Subscription
        do {
            let encoding = batch > 1 ? (codec: codec, key: encodingKey) : nil
            opened = try broker.subscribe(request, sink: SubscriptionSink(inbox: inbox, key: key, encoding: encoding))
        } catch {
            reply(error: error, id: frame.id)
            return
        }
        let subscription = SessionSubscription(
            key: key, subscription: opened, filter: frame.topic, batch: batch,
            grantsCredit: ackPolicy == .none && frame.credit == nil)
        subscriptions[key] = subscription
        subscriptionKeys[subscription.name] = key
        statistics.subscriptionOpened()
        reply(.ok(OKFrame(id: frame.id, sub: subscription.name)), opens: subscription)
    }

    /// Closes a subscription; what it had not yet written is dropped (ack none) or redelivered (explicit).
    func unsubscribe(_ frame: UnsubscribeFrame) throws(ProtocolError) {
        let subscription = try existing(frame.sub, id: frame.id)
        subscriptions[subscription.key] = nil
        subscriptionKeys[subscription.name] = nil
        subscription.subscription.close()
        statistics.subscriptionClosed()
        if let id = frame.id { reply(.ok(OKFrame(id: id))) }
    }

    func ack(_ frame: AckFrame) throws(ProtocolError) {
        let subscription = try existing(frame.sub, id: frame.id)
        let topic = try topic(frame.topic, of: subscription, id: frame.id)
        do {
            if frame.cumulative {
                try subscription.subscription.ackCumulative(topic: topic, upTo: frame.offset)
            } else {
                try subscription.subscription.ack(topic: topic, offset: frame.offset)
            }
        } catch {
            reply(error: error, id: frame.id)
            return
        }
        if let id = frame.id { reply(.ok(OKFrame(id: id))) }
    }

    func nack(_ frame: NackFrame) throws(ProtocolError) {
        let subscription = try existing(frame.sub, id: frame.id)
        let topic = try topic(frame.topic, of: subscription, id: frame.id)
        do {
            try subscription.subscription.nack(
                topic: topic, offset: frame.offset, delayMilliseconds: Int64(clamping: frame.delayMilliseconds ?? 0))
        } catch {
            reply(error: error, id: frame.id)
            return
        }
        if let id = frame.id { reply(.ok(OKFrame(id: id))) }
    }

    /// The topic an ack or nack is about: as given, or the subscription's topic when it is not a pattern.
    private func topic(_ given: String?, of subscription: SessionSubscription, id: RequestID?) throws(ProtocolError) -> String {
        if let given { return given }
        guard !subscription.isPattern else {
            throw ProtocolError(
                code: .missingField, field: "topic",
                message: "missing field 'topic' (subscription '\(subscription.name)' is on a pattern)", requestID: id)
        }
        return subscription.filter
    }
}
