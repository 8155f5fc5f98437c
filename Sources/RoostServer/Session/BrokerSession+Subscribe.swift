import NIOCore
import RoostBroker
import RoostProtocol

extension BrokerSession {
    /// Opens a subscription; its deliveries are held back until the `ok` carrying `sub` is written. Never blocks:
    /// a start from a time is found off the event loop (``findStart(_:_:key:batch:)``).
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
        let start: SubscriptionStart
        do {
            guard let immediate = try broker.immediateStart(for: request) else {
                findStart(frame, request, key: key, batch: batch)
                return
            }
            start = immediate
        } catch {
            reply(error: error, id: frame.id)
            return
        }
        let (answer, subscription) = open(frame, request, from: start, key: key, batch: batch)
        reply(answer, opens: subscription)
    }

    /// A subscribe from a time: the broker reads the time index on a reader queue, the subscription opens back on
    /// the event loop. Its `ok` keeps its place among the replies, and the frames after it wait (reading pauses),
    /// so an ack, unsubscribe or second subscribe sent behind it finds the subscription open.
    private func findStart(_ frame: SubscribeFrame, _ request: SubscriptionRequest, key: Int, batch: Int) {
        let sequence = replies.reserve(bytes: 0)
        holdFrames()
        let bound = loopBound
        let eventLoop = session.eventLoop
        broker.findStart(for: request) { result in
            eventLoop.execute { bound.value.startFound(result, frame, request, key: key, batch: batch, sequence: sequence) }
        }
    }

    private func startFound(
        _ result: Result<SubscriptionStart, BrokerError>, _ frame: SubscribeFrame, _ request: SubscriptionRequest,
        key: Int, batch: Int, sequence: UInt64
    ) {
        guard !isClosed else { return }
        switch result {
        case .success(let start):
            let (answer, subscription) = open(frame, request, from: start, key: key, batch: batch)
            replies.fill(sequence, with: .init(frame: answer, opensSubscription: subscription?.key))
        case .failure(let error):
            replies.fill(sequence, with: .init(frame: .error(errorFrame(error, id: frame.id)), opensSubscription: nil))
        }
        releaseReplies()
        resumeFrames()
        pumpDeliveries()
        flush()
        afterReplies()
    }

    /// Attaches the subscription to the broker (no file I/O) and registers it under `key`: the answer to send, and
    /// the subscription it announces when it succeeded.
    private func open(
        _ frame: SubscribeFrame, _ request: SubscriptionRequest, from start: SubscriptionStart, key: Int, batch: Int
    ) -> (ServerFrame, SessionSubscription?) {
        let opened: Subscription
        do {
            let encoding = batch > 1 ? (codec: codec, key: encodingKey) : nil
            opened = try broker.subscribe(request, from: start, sink: SubscriptionSink(inbox: inbox, key: key, encoding: encoding))
        } catch {
            return (.error(errorFrame(error, id: frame.id)), nil)
        }
        let subscription = SessionSubscription(
            key: key, subscription: opened, filter: frame.topic, batch: batch,
            grantsCredit: request.ackPolicy == .none && frame.credit == nil)
        subscriptions[key] = subscription
        subscriptionKeys[subscription.name] = key
        statistics.subscriptionOpened()
        return (.ok(OKFrame(id: frame.id, sub: subscription.name)), subscription)
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
