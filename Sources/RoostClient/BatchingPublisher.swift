import NIOConcurrencyHelpers
import NIOCore
import RoostProtocol

/// Publishes to one topic with a bounded window of unconfirmed messages: `publish` returns as soon as the
/// message is queued and suspends only while `window` messages await their confirm. Queued messages go out
/// as one `publish_batch` frame per flush point, the way Kafka's producer and NATS's flusher batch: the
/// broker appends the frame as one log batch and answers one confirm, from which each message's confirm is
/// derived. This is how a service reaches the broker's throughput over one connection.
///
/// ```swift
/// let publisher = BatchingPublisher(client: client, topic: "events", window: 1_000)
/// for event in events { try await publisher.publish(OutgoingMessage(event)) }
/// let summary = try await publisher.flush()   // every message confirmed
/// ```
///
/// Flush points: every eighth of the window (or ``maxBatchMessages``, if smaller), when the window fills,
/// when the queued bytes reach ``maxBatchBytes``, at ``flush()``, and otherwise at most 200 µs after the
/// first message queued. A message larger than ``maxBatchBytes`` goes alone.
///
/// A failed publish is reported by the next `publish` or by `flush` (the first failure, thrown once); a
/// failed frame fails each of its messages. Unconfirmed messages survive reconnects like any publish of the
/// client: their frames are resent as they were, with the same dedup ids, so the broker stores them once.
public final class BatchingPublisher: Sendable {
    /// The client publishing.
    public let client: RoostClient
    /// The topic.
    public let topic: String
    /// Most unconfirmed messages at once (queued ones included).
    public let window: Int
    /// Most messages in one frame.
    public let maxBatchMessages: Int
    /// Most bytes (payloads, keys, headers, dedup ids) in one frame, unless a single message is larger.
    public let maxBatchBytes: Int
    /// A publisher that waits for room resumes once this many confirms freed the window (a quarter of it),
    /// so that it then queues a burst that is written with one flush, instead of waking per confirm.
    private var refill: Int { max(1, window / 4) }
    /// Messages queued before a frame goes out without waiting for the deferred flush.
    private var flushEvery: Int { max(1, min(window / 8, maxBatchMessages)) }
    private let onConfirm: (@Sendable (Result<PublishConfirm, RoostClientError>) -> Void)?
    /// Runs the deferred flush.
    private let loop: any EventLoop

    private let state = NIOLockedValueBox(State())
    /// Held while a frame is taken from the queue and handed to the client, so frames reach the client in
    /// queue order. The event loop takes only `state` per confirm, never this lock.
    private let sendLock = NIOLock()

    private struct State {
        var inFlight = 0
        var confirmed = 0
        var lastConfirm: PublishConfirm?
        var failure: RoostClientError?
        var waiters: [(UInt64, CheckedContinuation<Void, any Error>)] = []
        var flushWaiters: [CheckedContinuation<Void, any Error>] = []
        var nextWaiter: UInt64 = 0
        /// Admitted messages not yet handed to the client, in order.
        var queued: [OutgoingMessage] = []
        var queuedBytes = 0
        var deferredFlushScheduled = false
        var frames = 0
    }

    /// What a ``BatchingPublisher/flush()`` saw.
    public struct Summary: Sendable, Hashable {
        /// Messages confirmed since the publisher was created.
        public var confirmed: Int
        /// The latest confirm received.
        public var lastConfirm: PublishConfirm?
    }

    /// Longest a queued message waits for a flush point. 200 µs: far below a broker's fsync, so it costs no
    /// throughput, and short enough not to matter for latency.
    static let deferredFlushDelay = TimeAmount.microseconds(200)

    /// Creates a publisher for `topic` with at most `window` unconfirmed messages (at least 1).
    /// Default 1,000: enough to keep a broker with group commit busy over one connection.
    ///
    /// `maxBatchMessages` (default 1,000) and `maxBatchBytes` (default 512 KiB) bound one frame; keep them
    /// under the broker's `max_batch_messages` (10,000) and `max_batch_bytes` (16 MiB) and its WebSocket frame
    /// limit (`max_frame_size`, 1 MiB + 64 KiB by default).
    ///
    /// `onConfirm`, if given, sees every message's outcome in publish order (the broker confirms in request
    /// order; a batch's messages get `offset + i` and its timestamp), on the connection's event loop: keep it
    /// short.
    public init(
        client: RoostClient, topic: String, window: Int = 1_000, maxBatchMessages: Int = 1_000,
        maxBatchBytes: Int = 512 << 10,
        onConfirm: (@Sendable (Result<PublishConfirm, RoostClientError>) -> Void)? = nil
    ) {
        self.client = client
        self.topic = topic
        self.window = max(1, window)
        self.maxBatchMessages = max(1, maxBatchMessages)
        self.maxBatchBytes = max(1, maxBatchBytes)
        self.onConfirm = onConfirm
        self.loop = client.configuration.eventLoopGroup.any()
    }

    /// Messages confirmed so far.
    public var confirmedCount: Int { state.withLockedValue { $0.confirmed } }

    /// Frames (`publish` or `publish_batch`) handed to the client so far: messages over frames is the average
    /// batch the publisher achieved.
    public var framesSent: Int { state.withLockedValue { $0.frames } }

    /// Queues one message, suspending while the window is full. Throws the first failure of an earlier
    /// publish (once), `closed`, or `CancellationError` if cancelled while waiting for room.
    public func publish(_ message: OutgoingMessage) async throws {
        while true {
            let admitted = try state.withLockedValue { state throws(RoostClientError) -> Bool in
                if let failure = state.failure {
                    state.failure = nil
                    throw failure
                }
                guard state.inFlight < window else { return false }
                state.inFlight += 1
                return true
            }
            if admitted { break }
            try await waitForRoom()
        }
        let size = message.batchBytes
        let scheduleDeferred = sendLock.withLock { () -> Bool in
            let (batches, scheduleDeferred) = state.withLockedValue { state -> ([[OutgoingMessage]], Bool) in
                var batches: [[OutgoingMessage]] = []
                // A message that would overflow the byte bound closes the batch before it.
                if !state.queued.isEmpty && state.queuedBytes + size > maxBatchBytes { batches.append(Self.take(&state)) }
                state.queued.append(message)
                state.queuedBytes += size
                if state.inFlight == window || state.queued.count >= flushEvery || state.queuedBytes >= maxBatchBytes {
                    batches.append(Self.take(&state))
                }
                guard !state.queued.isEmpty, !state.deferredFlushScheduled else { return (batches, false) }
                state.deferredFlushScheduled = true
                return (batches, true)
            }
            for batch in batches { send(batch) }
            return scheduleDeferred
        }
        if scheduleDeferred {
            loop.scheduleTask(in: Self.deferredFlushDelay) { self.sendQueued(deferred: true) }
        }
        // A frame the client refused at once (closed, too many pending) is reported to its sender now.
        let refused = state.withLockedValue { state -> RoostClientError? in
            defer { state.failure = nil }
            return state.failure
        }
        if let refused { throw refused }
    }

    /// Queues `data` with an optional key and headers; see ``publish(_:)``.
    public func publish(_ data: ByteBuffer, key: String? = nil, headers: [Header] = []) async throws {
        try await publish(OutgoingMessage(data: data, key: key, headers: headers))
    }

    /// Sends what is queued, then waits until every message is confirmed; throws the first failure not yet
    /// reported.
    public func flush() async throws -> Summary {
        sendQueued(deferred: false)
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

    /// Sends the queued messages (the deferred flush, or ``flush()``).
    private func sendQueued(deferred: Bool) {
        sendLock.withLock {
            let batch = state.withLockedValue { state -> [OutgoingMessage] in
                if deferred { state.deferredFlushScheduled = false }
                return Self.take(&state)
            }
            if !batch.isEmpty { send(batch) }
        }
    }

    private static func take(_ state: inout State) -> [OutgoingMessage] {
        if !state.queued.isEmpty { state.frames += 1 }
        var batch: [OutgoingMessage] = []
        swap(&batch, &state.queued)
        state.queuedBytes = 0
        return batch
    }

    /// Hands one frame to the client: a `publish` for one message, a `publish_batch` for more. Called under
    /// `sendLock`.
    private func send(_ batch: [OutgoingMessage]) {
        let topic = self.topic
        let client = self.client
        do {
            try client.submitPublish(id: nil, topic: topic, count: batch.count, completion: .publisher(self, count: batch.count)) { id in
                if batch.count == 1 {
                    return .publish(PublishFrame(id: RequestID(id), topic: topic, entry: batch[0].entry(dedupID: client.dedupID(id, 0))))
                }
                var entries: [PublishEntry] = []
                entries.reserveCapacity(batch.count)
                for (index, message) in batch.enumerated() { entries.append(message.entry(dedupID: client.dedupID(id, index))) }
                return .publishBatch(PublishBatchFrame(id: RequestID(id), topic: topic, messages: entries))
            }
        } catch {
            completed(.failure(error), count: batch.count)
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

    /// The outcome of one frame of `count` messages (called by the client, on the connection's event loop):
    /// each message's confirm is the frame's, at `offset + i`.
    func completed(_ result: Result<PublishConfirm, RoostClientError>, count: Int) {
        var last: PublishConfirm?
        if case .success(let confirm) = result {
            last = PublishConfirm(
                topic: confirm.topic, offset: confirm.offset + Int64(count - 1), count: 1, timestamp: confirm.timestamp,
                durable: confirm.durable)
        }
        if let onConfirm {
            switch result {
            case .success(let confirm):
                for index in 0..<count {
                    onConfirm(.success(PublishConfirm(
                        topic: confirm.topic, offset: confirm.offset + Int64(index), count: 1, timestamp: confirm.timestamp,
                        durable: confirm.durable)))
                }
            case .failure:
                for _ in 0..<count { onConfirm(result) }
            }
        }
        let (waiter, flushers) = state.withLockedValue { state -> ([CheckedContinuation<Void, any Error>], [CheckedContinuation<Void, any Error>]) in
            state.inFlight -= count
            switch result {
            case .success:
                state.confirmed += count
                state.lastConfirm = last
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
