import NIOCore

/// How a publish learns its outcome: an awaiting task, or the batching publisher (which must not pay a
/// continuation, nor a closure, per message), for a frame of `count` of its messages.
enum PublishCompletion: Sendable {
    case continuation(CheckedContinuation<PublishConfirm, any Error>)
    case publisher(BatchingPublisher, count: Int)

    func complete(_ result: Result<PublishConfirm, RoostClientError>) {
        switch self {
        case .continuation(let c): c.resume(with: result.mapError { $0 as any Error })
        case .publisher(let publisher, let count): publisher.completed(result, count: count)
        }
    }
}

/// A request waiting for its `ok` or `error`.
enum PendingRequest: Sendable {
    /// A publish (or batch): `encoded` is resent as is after a reconnect; its dedup ids make that safe.
    case publish(topic: String, count: Int, encoded: ByteBuffer, completion: PublishCompletion)
    /// A subscribe or resubscribe of `subscription` on the current connection (its caller, if still
    /// waiting, is in `ClientState.subscribeWaiters`).
    case subscribe(SubscriptionCore)
    /// Anything else that carries an id (unsubscribe).
    case simple(CheckedContinuation<Void, any Error>?)

    func fail(_ error: RoostClientError) {
        switch self {
        case .publish(_, _, _, let completion): completion.complete(.failure(error))
        case .subscribe: break
        case .simple(let c): c?.resume(throwing: error)
        }
    }
}
