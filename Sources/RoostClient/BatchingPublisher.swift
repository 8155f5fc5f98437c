import NIOConcurrencyHelpers
import NIOCore
import RoostProtocol

/// Publishes to one topic with a bounded window of unconfirmed messages: `publish` returns as soon as the
/// message is queued and suspends only while `window` messages await their confirm. This is how a service
/// reaches the broker's throughput over one connection: many publishes in flight, written and flushed in
/// batches, confirms counted without a task per message.
///
/// ```swift
/// let publisher = BatchingPublisher(client: client, topic: "events", window: 1_000)
/// for event in events { try await publisher.publish(OutgoingMessage(event)) }
/// let summary = try await publisher.flush()   // every message confirmed
/// ```
///
/// A failed publish is reported by the next `publish` or by `flush` (the first failure, thrown once).
/// Unconfirmed messages survive reconnects like any publish of the client (resent with their dedup ids).
public final class BatchingPublisher: Sendable {
    /// The client publishing.
    public let client: RoostClient
    /// The topic.
    public let topic: String
    /// Most unconfirmed messages at once.
    public let window: Int
    /// A publisher that waits for room resumes once this many confirms freed the window (a quarter of it),
    /// so that it then queues a burst that is written with one flush, instead of waking per confirm.
    private var refill: Int { max(1, window / 4) }
    /// Publishes queued between two flushes at most; between them a deferred flush bounds the wait.
    private var flushEvery: Int { max(1, window / 8) }
    private let onConfirm: (@Sendable (Result<PublishConfirm, RoostClientError>) -> Void)?

    private let state = NIOLockedValueBox(State())

    private struct State {
        var inFlight = 0
        var confirmed = 0
        var lastConfirm: PublishConfirm?
        var failure: RoostClientError?
        var waiters: [(UInt64, CheckedContinuation<Void, any Error>)] = []
        var flushWaiters: [CheckedContinuation<Void, any Error>] = []
        var nextWaiter: UInt64 = 0
        var sinceFlush = 0
    }

    /// What a ``BatchingPublisher/flush()`` saw.
    public struct Summary: Sendable, Hashable {
        /// Messages confirmed since the publisher was created.
        public var confirmed: Int
        /// The latest confirm received.
        public var lastConfirm: PublishConfirm?
    }

    /// Creates a publisher for `topic` with at most `window` unconfirmed messages (at least 1).
    /// Default 1,000: enough to keep a broker with group commit busy over one connection.
    ///
    /// `onConfirm`, if given, sees every outcome in publish order (the broker confirms in request order),
    /// on the connection's event loop: keep it short.
    public init(
        client: RoostClient, topic: String, window: Int = 1_000,
        onConfirm: (@Sendable (Result<PublishConfirm, RoostClientError>) -> Void)? = nil
    ) {
        self.client = client
        self.topic = topic
        self.window = max(1, window)
        self.onConfirm = onConfirm
    }

    /// Messages confirmed so far.
    public var confirmedCount: Int { state.withLockedValue { $0.confirmed } }

    /// Queues one message, suspending while the window is full. Throws the first failure of an earlier
    /// publish (once), `closed`, or `CancellationError` if cancelled while waiting for room.
    public func publish(_ message: OutgoingMessage) async throws {
        var shouldFlush = true
        while true {
            let admitted = try state.withLockedValue { state throws(RoostClientError) -> Bool? in
                if let failure = state.failure {
                    state.failure = nil
                    throw failure
                }
                guard state.inFlight < window else { return nil }
                state.inFlight += 1
                state.sinceFlush += 1
                // Flush at the end of a burst: when the window fills, or every eighth of a window.
                guard state.inFlight == window || state.sinceFlush >= flushEvery else { return false }
                state.sinceFlush = 0
                return true
            }
            if let flushNow = admitted {
                shouldFlush = flushNow
                break
            }
            try await waitForRoom()
        }
        let topic = self.topic
        let client = self.client
        do {
            try client.submitPublish(id: nil, topic: topic, count: 1, completion: .publisher(self), flushNow: shouldFlush) { id in
                .publish(PublishFrame(id: RequestID(id), topic: topic, entry: message.entry(dedupID: client.dedupID(id, 0))))
            }
        } catch {
            completed(.failure(error))
            throw error
        }
    }

    /// Queues `data` with an optional key and headers; see ``publish(_:)``.
    public func publish(_ data: ByteBuffer, key: String? = nil, headers: [Header] = []) async throws {
        try await publish(OutgoingMessage(data: data, key: key, headers: headers))
    }

    /// Waits until every queued message is confirmed; throws the first failure not yet reported.
    public func flush() async throws -> Summary {
        client.flushSoon()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLockedValue { state -> Bool in
                guard state.inFlight > 0 else { return true }
                state.flushWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
        return try state.withLockedValue { state throws(RoostClientError) -> Summary in
            if let failure = state.failure {
                state.failure = nil
                throw failure
            }
            return Summary(confirmed: state.confirmed, lastConfirm: state.lastConfirm)
        }
    }

    private func waitForRoom() async throws {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now = state.withLockedValue { state -> Bool in
                    if state.inFlight < window || state.failure != nil || Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.0 == id }) else { return nil }
                return state.waiters.remove(at: index).1
            }
            waiter?.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// One publish's outcome (called by the client, on the connection's event loop).
    func completed(_ result: Result<PublishConfirm, RoostClientError>) {
        onConfirm?(result)
        let (waiter, flushers) = state.withLockedValue { state -> ([CheckedContinuation<Void, any Error>], [CheckedContinuation<Void, any Error>]) in
            state.inFlight -= 1
            switch result {
            case .success(let confirm):
                state.confirmed += 1
                state.lastConfirm = confirm
            case .failure(let error):
                if state.failure == nil { state.failure = error }
            }
            var waiters: [CheckedContinuation<Void, any Error>] = []
            if !state.waiters.isEmpty && (state.inFlight <= window - refill || state.failure != nil) {
                waiters = state.waiters.map(\.1)
                state.waiters.removeAll()
            }
            var flushers: [CheckedContinuation<Void, any Error>] = []
            if state.inFlight == 0 { swap(&flushers, &state.flushWaiters) }
            return (waiters, flushers)
        }
        for waiter in waiter { waiter.resume() }
        for flusher in flushers { flusher.resume() }
    }
}
