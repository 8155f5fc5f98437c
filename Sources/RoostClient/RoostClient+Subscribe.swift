import NIOConcurrencyHelpers
import NIOCore
import RoostProtocol

extension RoostClient {
    /// Opens a subscription and returns once the broker confirmed it. If the client is reconnecting, the
    /// subscribe is sent when the connection is back.
    public func subscribe(_ options: SubscriptionOptions) async throws -> RoostSubscription {
        let core = SubscriptionCore(options: options)
        let key = ObjectIdentifier(core)
        let codec = self.codec
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLockedValue { state -> SubmitOutcome in
                    guard !state.isClosed else { return .failed(.closed) }
                    if Task.isCancelled { return .cancelled }
                    state.subscriptions[key] = core
                    state.subscribeWaiters[key] = continuation
                    // While disconnected, the next connection subscribes everything in `subscriptions`.
                    guard state.phase == .connected else { return .queued(nil) }
                    let id = state.takeID()
                    _ = state.append(.subscribe(core.subscribeFrame(id: RequestID(id))), codec: codec)
                    state.pending[id] = .subscribe(core)
                    return .queued(state.flushDue())
                }
                switch outcome {
                case .failed(let error): continuation.resume(throwing: error)
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .queued(let connection): if let connection { scheduleFlush(connection) }
                }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
                guard let waiter = state.subscribeWaiters.removeValue(forKey: key) else { return nil }
                state.subscriptions.removeValue(forKey: key)
                return waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
        return RoostSubscription(client: self, core: core)
    }

    /// Subscribes to `topic`; see ``subscribe(_:)`` and ``SubscriptionOptions``.
    public func subscribe(
        topic: String, consumer: String? = nil, from: StartPosition = .latest, ack: AckPolicy = .none,
        maxInflight: Int = 1_000
    ) async throws -> RoostSubscription {
        try await subscribe(SubscriptionOptions(topic: topic, consumer: consumer, from: from, ack: ack, maxInflight: maxInflight))
    }

    /// Queues a credit frame if `grant` is for `core`'s current attachment on the current connection; checked
    /// under the client's lock (which may take the subscription's), so a reconnect cannot slip in between.
    func sendCredit(_ grant: SubscriptionCore.CreditGrant, for core: SubscriptionCore) {
        let codec = self.codec
        let connection = state.withLockedValue { state -> WebSocketConnection? in
            guard state.connection != nil, state.phase == .connected, core.isCurrent(grant) else { return nil }
            _ = state.append(.credit(CreditFrame(sub: grant.sub, n: UInt32(clamping: grant.n))), codec: codec)
            return state.flushDue()
        }
        if let connection { scheduleFlush(connection) }
    }

    func unsubscribe(_ core: SubscriptionCore) async throws {
        let id = state.withLockedValue { $0.takeID() }
        let codec = self.codec
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let connection = state.withLockedValue { state -> WebSocketConnection?? in
                state.subscriptions.removeValue(forKey: ObjectIdentifier(core))
                guard let sub = core.sub, state.bySub.removeValue(forKey: sub) != nil, !state.isClosed, state.phase == .connected
                else { return .none }
                _ = state.append(.unsubscribe(UnsubscribeFrame(id: RequestID(id), sub: sub)), codec: codec)
                state.pending[id] = .simple(continuation)
                return .some(state.flushDue())
            }
            switch connection {
            case .none: continuation.resume()
            case .some(let c): if let c { scheduleFlush(c) }
            }
        }
        core.finish()
    }

    /// A subscription object went away without unsubscribing: close it on the broker, fire-and-forget.
    func detach(_ core: SubscriptionCore) {
        let sub = state.withLockedValue { state -> String? in
            guard state.subscriptions.removeValue(forKey: ObjectIdentifier(core)) != nil, let sub = core.sub else { return nil }
            state.bySub.removeValue(forKey: sub)
            return sub
        }
        core.finish()
        if let sub { sendOnCurrentConnection(.unsubscribe(UnsubscribeFrame(sub: sub))) }
    }
}
