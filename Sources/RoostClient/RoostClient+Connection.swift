import NIOConcurrencyHelpers
import Logging
import NIOCore
import NIOWebSocket
import RoostProtocol

extension RoostClient {
    /// Opens the connection. Throws if the first attempt fails (bad URL, nothing listening, refused
    /// upgrade); after a first success, lost connections are re-established in the background with
    /// ``RoostClientConfiguration/backoff``. Calling it again while connected does nothing.
    public func connect() async throws {
        let url = try parsedURL.get()
        let proceed = try state.withLockedValue { state throws(RoostClientError) -> Bool in
            guard !state.isClosed else { throw .closed }
            guard state.phase == .idle else { return false }
            state.transition(to: .connecting)
            return true
        }
        guard proceed else { return }
        do {
            try await open(url)
        } catch {
            await shutDown(failing: error)
            throw error
        }
        let (disconnects, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let supervisor = Task { await self.superviseReconnects(url, disconnects: disconnects) }
        let alreadyClosed = state.withLockedValue { state -> Bool in
            state.supervisor = supervisor
            state.disconnects = continuation
            // The first connection may already be gone.
            if state.phase != .connected && !state.isClosed { continuation.yield() }
            return state.isClosed
        }
        if alreadyClosed { supervisor.cancel() }
    }

    /// Closes the client: sends the WebSocket close, fails requests still waiting for a confirm with
    /// `closed`, ends every subscription's sequence and the state streams. Idempotent.
    public func close() async {
        await shutDown(failing: .closed)
    }

    func shutDown(failing error: RoostClientError) async {
        let taken = state.withLockedValue { state -> (ClientState, Bool) in
            let wasClosed = state.isClosed
            state.isClosed = true
            state.transition(to: .closed)
            let snapshot = state
            state.pending = [:]
            state.subscribeWaiters = [:]
            state.subscriptions = [:]
            state.bySub = [:]
            state.observers = [:]
            state.outbox = []
            state.connection = nil
            state.supervisor = nil
            state.disconnects = nil
            return (snapshot, wasClosed)
        }
        let (snapshot, wasClosed) = taken
        guard !wasClosed else { return }
        snapshot.supervisor?.cancel()
        snapshot.disconnects?.finish()
        if let connection = snapshot.connection { await connection.close() }
        for id in snapshot.pending.keys.sorted() { snapshot.pending[id]?.fail(error) }
        for waiter in snapshot.subscribeWaiters.values { waiter.resume(throwing: error) }
        for subscription in snapshot.subscriptions.values { subscription.finish() }
        for observer in snapshot.observers.values { observer.finish() }
        await snapshot.supervisor?.value
    }

    /// Opens one connection and makes it current: resends unconfirmed publishes in their original order
    /// and resubscribes every open subscription.
    func open(_ url: WebSocketURL) async throws(RoostClientError) {
        let generation = state.withLockedValue { state -> UInt64 in
            state.generation += 1
            return state.generation
        }
        var configuration = self.configuration
        if let token = state.withLockedValue({ $0.token }) { configuration.token = token }
        let connection = try await WebSocketConnection.connect(
            url: url, configuration: configuration,
            onMessage: { [weak self] message in self?.received(message, generation: generation) },
            onClosed: { [weak self] code in self?.connectionClosed(generation: generation, code: code) })
        let codec = self.codec
        let installed = state.withLockedValue { state -> Bool in
            guard !state.isClosed, state.generation == generation, connection.channel.isActive else { return false }
            state.connection = connection
            state.outbox = []
            for id in state.pending.keys.sorted() {
                if case .publish(_, _, let framed, _) = state.pending[id] { state.outbox.append(framed) }
            }
            for subscription in state.subscriptions.values {
                let id = state.takeID()
                _ = state.append(.subscribe(subscription.subscribeFrame(id: RequestID(id))), codec: codec)
                state.pending[id] = .subscribe(subscription)
            }
            state.flushScheduled = true
            state.transition(to: .connected)
            return true
        }
        guard installed else {
            await connection.close()
            throw state.withLockedValue { $0.isClosed } ? .closed : .connectFailed("the connection closed at once")
        }
        logger.debug("connected", metadata: ["url": "\(self.url)", "generation": "\(generation)"])
        scheduleFlush(connection)
    }

    /// The current connection ended: forget its subscription ids, keep every pending request for the next
    /// connection, and wake the reconnect loop (or close, when reconnecting is off).
    func connectionClosed(generation: UInt64, code: WebSocketErrorCode?) {
        var finished: [PendingRequest] = []
        let (current, subscriptions, wake) = state.withLockedValue { state -> (Bool, [SubscriptionCore], AsyncStream<Void>.Continuation?) in
            guard state.generation == generation, state.connection != nil, !state.isClosed else { return (false, [], nil) }
            // An unsubscribe is done once the connection is gone: the broker drops its subscriptions.
            for (id, request) in state.pending {
                if case .simple = request {
                    finished.append(request)
                    state.pending[id] = nil
                }
            }
            state.connection = nil
            state.bySub = [:]
            state.outbox = []
            state.flushScheduled = false
            // A subscribe in flight dies with the connection; the next connection sends a new one.
            state.pending = state.pending.filter { if case .subscribe = $0.value { false } else { true } }
            state.transition(to: .reconnecting(attempt: 1))
            return (true, Array(state.subscriptions.values), state.disconnects)
        }
        for case .simple(let continuation?) in finished { continuation.resume() }
        guard current else { return }
        logger.info("connection lost", metadata: ["code": "\(code.map { "\($0)" } ?? "none")"])
        for subscription in subscriptions { subscription.connectionLost() }
        if configuration.reconnect {
            wake?.yield()
        } else {
            Task { await self.shutDown(failing: .connectFailed("the connection to the broker was lost")) }
        }
    }

    /// Waits for lost connections and re-establishes them with backoff until the client closes.
    func superviseReconnects(_ url: WebSocketURL, disconnects: AsyncStream<Void>) async {
        for await _ in disconnects {
            var attempt = 1
            while !Task.isCancelled {
                let stillDown = state.withLockedValue { state -> Bool in
                    guard !state.isClosed, state.connection == nil else { return false }
                    state.transition(to: .reconnecting(attempt: attempt))
                    return true
                }
                guard stillDown else { break }
                let delay = configuration.backoff.delay(attempt: attempt, unitRandom: configuration.random())
                do {
                    try await configuration.clock.sleep(for: delay, tolerance: nil)
                } catch {
                    return
                }
                do {
                    try await open(url)
                    break
                } catch {
                    logger.debug("reconnect failed", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                    if let limit = configuration.maxReconnectAttempts, attempt >= limit {
                        Task { await self.shutDown(failing: error) }
                        return
                    }
                    attempt += 1
                }
            }
        }
    }
}
