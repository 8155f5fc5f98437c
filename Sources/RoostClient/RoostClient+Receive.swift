import NIOConcurrencyHelpers
import Logging
import NIOCore
import RoostProtocol

extension RoostClient {
    /// One complete message from the broker, on the connection's event loop: confirms resume their
    /// waiters, deliveries go into their subscription's buffer (a whole `messages` frame at once).
    func received(_ message: ByteBuffer, generation: UInt64) {
        let frame: ServerFrame
        do {
            frame = try codec.decodeServerFrame(message)
        } catch {
            logger.warning("undecodable frame from the broker", metadata: ["error": "\(error)"])
            return
        }
        switch frame {
        case .ok(let ok):
            guard let id = Int64(ok.id.jsonToken) else { return }
            confirm(id, ok)
        case .error(let error):
            guard let token = error.id?.jsonToken, let id = Int64(token) else {
                logger.warning("broker error", metadata: ["code": "\(error.code)", "message": "\(error.message)"])
                return
            }
            if error.code == .shuttingDown, keepForNextConnection(id) { return }
            reject(id, .server(error.code, error.message))
        case .message(let m):
            deliver(sub: m.sub) { [.message(ReceivedMessage(m.message, sub: m.sub))] }
        case .messages(let m):
            deliver(sub: m.sub) { m.messages.map { .message(ReceivedMessage($0, sub: m.sub)) } }
        case .caughtUp(let c):
            deliver(sub: c.sub) { [.caughtUp(topic: c.topic, offset: c.offset)] }
        }
    }

    private func deliver(sub: String, _ events: () -> [SubscriptionEvent]) {
        guard let subscription = state.withLockedValue({ $0.bySub[sub] }) else { return }
        subscription.push(events())
    }

    private func confirm(_ id: Int64, _ ok: OKFrame) {
        guard let request = state.withLockedValue({ $0.pending.removeValue(forKey: id) }) else { return }
        switch request {
        case .publish(let topic, let count, _, let completion):
            guard let offset = ok.offset else {
                completion.complete(.failure(.unexpectedReply("publish confirmed without an offset")))
                return
            }
            completion.complete(.success(PublishConfirm(
                topic: topic, offset: offset, count: ok.count.map(Int.init) ?? count, timestamp: ok.timestamp ?? 0,
                durable: ok.durable ?? false)))
        case .subscribe(let subscription):
            guard let sub = ok.sub else {
                return reject(subscription, .unexpectedReply("subscribe confirmed without a sub"))
            }
            let (registered, continuation) = state.withLockedValue { state -> (Bool, CheckedContinuation<Void, any Error>?) in
                let waiter = state.subscribeWaiters.removeValue(forKey: ObjectIdentifier(subscription))
                guard state.subscriptions[ObjectIdentifier(subscription)] != nil else { return (false, waiter) }
                state.bySub[sub] = subscription
                return (true, waiter)
            }
            let grant = subscription.attached(sub: sub)
            continuation?.resume()
            if let grant { sendCredit(grant, for: subscription) }
            if !registered { sendOnCurrentConnection(.unsubscribe(UnsubscribeFrame(sub: sub))) }
        case .simple(let continuation):
            continuation?.resume()
        }
    }

    /// A publish the broker refused because it is shutting down was not stored (a draining broker takes no
    /// new work): with reconnect on it stays pending and is resent, with its dedup ids, in order, once the
    /// next connection is up, as if the connection had dropped before the publish reached the broker.
    private func keepForNextConnection(_ id: Int64) -> Bool {
        guard configuration.reconnect else { return false }
        return state.withLockedValue { state in
            guard !state.isClosed, case .publish? = state.pending[id] else { return false }
            return true
        }
    }

    private func reject(_ id: Int64, _ error: RoostClientError) {
        guard let request = state.withLockedValue({ $0.pending.removeValue(forKey: id) }) else { return }
        if case .subscribe(let subscription) = request { return reject(subscription, error) }
        request.fail(error)
    }

    /// A subscribe was refused: the caller of `subscribe` gets the error; a subscription refused on
    /// resubscribe after a reconnect (the topic was deleted, say) ends its sequence with it.
    private func reject(_ subscription: SubscriptionCore, _ error: RoostClientError) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
            state.subscriptions.removeValue(forKey: ObjectIdentifier(subscription))
            return state.subscribeWaiters.removeValue(forKey: ObjectIdentifier(subscription))
        }
        subscription.finish(error)
        waiter?.resume(throwing: error)
    }
}
