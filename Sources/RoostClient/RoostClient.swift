import Logging
import NIOConcurrencyHelpers
import NIOCore
import RoostProtocol

/// A connection to a Roost broker over WebSocket: publish with confirms, subscribe as an `AsyncSequence`,
/// reconnect with backoff, resume durable subscriptions, and resend unconfirmed publishes with their dedup
/// ids so that a reconnect stores nothing twice.
///
/// Thread-safe: every method may be called from any task. Frames from the broker are decoded on the
/// connection's event loop and handed to waiting tasks and subscription buffers there, without a task hop
/// per message; outgoing frames are queued and written with one flush per batch.
///
/// ```swift
/// let client = RoostClient(url: "ws://127.0.0.1:8080/v1/ws")
/// try await client.connect()
/// let confirm = try await client.publish(topic: "orders.created", data: ByteBuffer(string: "{\"order\":17}"))
/// await client.close()
/// ```
public final class RoostClient: Sendable {
    /// The broker URL, `ws://host:port/v1/ws`.
    public let url: String
    /// The settings the client was created with.
    public let configuration: RoostClientConfiguration

    let parsedURL: Result<WebSocketURL, RoostClientError>
    let codec: any FrameCodec
    let dedupIDs: DedupIDGenerator
    let state = NIOLockedValueBox(ClientState())
    var logger: Logger { configuration.logger }

    /// Creates a client; nothing happens until ``connect()``.
    public init(url: String, configuration: RoostClientConfiguration = RoostClientConfiguration()) {
        self.url = url
        self.configuration = configuration
        self.parsedURL = Result { () throws(RoostClientError) in try WebSocketURL(url) }
        self.codec = configuration.encoding.codec
        var random = SystemRandomNumberGenerator()
        self.dedupIDs = DedupIDGenerator(using: &random)
    }

    /// The current connection state.
    public var connectionState: ConnectionState { state.withLockedValue { $0.phase } }

    /// A stream of connection states: the current one first, then every change, until the client closes
    /// (or the stream is dropped). Keeps only the newest 32 unread states.
    public func stateUpdates() -> AsyncStream<ConnectionState> {
        let (stream, continuation) = AsyncStream.makeStream(of: ConnectionState.self, bufferingPolicy: .bufferingNewest(32))
        let registered = state.withLockedValue { state -> UInt64? in
            continuation.yield(state.phase)
            guard !state.isClosed else { return nil }
            state.nextObserver += 1
            state.observers[state.nextObserver] = continuation
            return state.nextObserver
        }
        guard let id = registered else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    // MARK: Publish

    /// Publishes one message and returns once the broker has stored it (under the topic's fsync policy).
    ///
    /// If the connection drops first, the publish is resent after reconnecting with the same dedup id (the
    /// client assigns one unless `dedupID` is given), so it is stored once. Cancelling the calling task
    /// stops the wait; the message may still be stored.
    public func publish(
        topic: String, data: ByteBuffer, key: String? = nil, headers: [Header] = [], dedupID: String? = nil
    ) async throws -> PublishConfirm {
        try await publish(topic: topic, OutgoingMessage(data: data, key: key, headers: headers, dedupID: dedupID))
    }

    /// Publishes one message; see ``publish(topic:data:key:headers:dedupID:)``.
    public func publish(topic: String, _ message: OutgoingMessage) async throws -> PublishConfirm {
        try await awaitPublish(topic: topic, count: 1) { id in
            .publish(PublishFrame(id: RequestID(id), topic: topic, entry: message.entry(dedupID: self.dedupID(id, 0))))
        }
    }

    /// Publishes several messages to one topic as one log batch; the confirm carries the first offset and
    /// the count (the messages got `offset ..< offset + count`, in order).
    public func publish(topic: String, batch: [OutgoingMessage]) async throws -> PublishConfirm {
        guard !batch.isEmpty else { throw RoostClientError.unexpectedReply("an empty batch cannot be published") }
        return try await awaitPublish(topic: topic, count: batch.count) { id in
            .publishBatch(PublishBatchFrame(
                id: RequestID(id), topic: topic,
                messages: batch.enumerated().map { $1.entry(dedupID: self.dedupID(id, $0)) }))
        }
    }

    func dedupID(_ id: Int64, _ index: Int) -> String? {
        guard configuration.assignDedupIDs else { return nil }
        return dedupIDs.id(request: id, index: index)
    }

    private func awaitPublish(
        topic: String, count: Int, _ makeFrame: @escaping @Sendable (Int64) -> ClientFrame
    ) async throws -> PublishConfirm {
        let id = state.withLockedValue { $0.takeID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PublishConfirm, any Error>) in
                do {
                    try submitPublish(id: id, frame: makeFrame(id), topic: topic, count: count, completion: .continuation(continuation))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            self.cancelRequest(id)
        }
    }

    /// Registers and queues a publish, and schedules a flush. Throws when the client is closed, too many
    /// requests wait, or the caller was cancelled before the request was registered.
    func submitPublish(
        id: Int64, frame: ClientFrame, topic: String, count: Int, completion: PublishCompletion
    ) throws(RoostClientError) {
        try submitPublish(id: id, topic: topic, count: count, completion: completion) { _ in frame }
    }

    /// As above, with the request id taken here when `id` is nil (the batching publisher's path) and the
    /// frame made from it. The frame is encoded and masked outside the client lock, which the event loop
    /// takes for every confirm: encoding under it made the loop wait on a futex (`perf`, session 3).
    @discardableResult
    func submitPublish(
        id: Int64?, topic: String, count: Int, completion: PublishCompletion,
        frame makeFrame: (Int64) -> ClientFrame
    ) throws(RoostClientError) -> Int64 {
        let codec = self.codec
        let limit = configuration.maxPendingRequests
        let started = state.withLockedValue { state -> (id: Int64, maskKey: UInt32)? in
            guard !state.isClosed else { return nil }
            return (id ?? state.takeID(), state.masks.nextWord())
        }
        guard let (taken, maskKey) = started else { throw .closed }
        let framed = WebSocketFraming.maskedFrame(binary: codec.encoding == .binary, maskKey: maskKey) {
            codec.encode(makeFrame(taken), into: &$0)
        }
        let outcome = state.withLockedValue { state -> SubmitOutcome in
            guard !state.isClosed else { return .failed(.closed) }
            if state.cancelled.remove(taken) != nil { return .cancelled }
            guard state.pending.count < limit else { return .failed(.tooManyPending(limit)) }
            state.outbox.append(framed)
            state.pending[taken] = .publish(topic: topic, count: count, encoded: framed, completion: completion)
            return .queued(state.flushDue())
        }
        switch outcome {
        case .failed(let error): throw error
        case .cancelled:
            if case .continuation(let c) = completion { c.resume(throwing: CancellationError()) }
        case .queued(let connection): if let connection { scheduleFlush(connection) }
        }
        return taken
    }

    enum SubmitOutcome {
        case failed(RoostClientError)
        case cancelled
        case queued(WebSocketConnection?)
    }

    func cancelRequest(_ id: Int64) {
        let removed = state.withLockedValue { state -> PendingRequest? in
            guard let request = state.pending.removeValue(forKey: id) else {
                state.cancelled.insert(id)
                return nil
            }
            return request
        }
        switch removed {
        case .publish(_, _, _, .continuation(let c)): c.resume(throwing: CancellationError())
        case .simple(let c?): c.resume(throwing: CancellationError())
        default: break
        }
    }

    // MARK: Sending

    /// Queues a frame that is only meaningful on the current connection (ack, nack, credit); dropped when
    /// disconnected (the broker forgets the subscription then anyway).
    func sendOnCurrentConnection(_ frame: ClientFrame) {
        let codec = self.codec
        let connection = state.withLockedValue { state -> WebSocketConnection? in
            guard state.connection != nil, state.phase == .connected else { return nil }
            _ = state.append(frame, codec: codec)
            return state.flushDue()
        }
        if let connection { scheduleFlush(connection) }
    }

    func scheduleFlush(_ connection: WebSocketConnection) {
        connection.eventLoop.execute { self.flushOutbox(connection) }
    }

    /// Writes everything queued since the last flush as one buffer, then flushes once. Runs on the
    /// connection's loop.
    func flushOutbox(_ connection: WebSocketConnection) {
        let frames = state.withLockedValue { state -> [ByteBuffer] in
            state.flushScheduled = false
            guard state.connection === connection, !state.outbox.isEmpty else { return [] }
            var frames: [ByteBuffer] = []
            frames.reserveCapacity(state.outbox.count)
            swap(&frames, &state.outbox)
            return frames
        }
        if !frames.isEmpty { connection.writeRawOnLoop(frames) }
    }
}
