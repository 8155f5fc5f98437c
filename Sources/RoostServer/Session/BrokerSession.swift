import Logging
import NIOCore
import NIOWebSocket
import RoostBroker
import RoostProtocol
import RoostSecurity
import RoostStorage

/// The broker-backed upper layer of one WebSocket connection: decodes client frames in the negotiated encoding,
/// dispatches them to the broker, answers with `ok` / `error` in request order, and writes deliveries.
///
/// Isolation: every stored property is owned by the connection's event loop; the transport calls the
/// ``WebSocketSessionHandler`` methods there. Work finished elsewhere (publish confirms on storage threads,
/// deliveries on broker reader queues) arrives through the ``SessionInbox``, one event-loop hop per batch.
final class BrokerSession: WebSocketSessionHandler {
    /// What every session of one server uses the same of: one object for all of them, a reference per session
    /// (a session exists per connection, and idle connections are counted in bytes, issue 4).
    final class Shared: Sendable {
        let broker: Broker
        let configuration: SessionConfiguration
        let statistics: ServerStatistics
        let logger: Logger

        init(broker: Broker, configuration: SessionConfiguration, statistics: ServerStatistics, logger: Logger) {
            self.broker = broker
            self.configuration = configuration
            self.statistics = statistics
            self.logger = logger
        }
    }

    let shared: Shared
    var broker: Broker { shared.broker }
    var configuration: SessionConfiguration { shared.configuration }
    var statistics: ServerStatistics { shared.statistics }
    var logger: Logger { shared.logger }
    let session: WebSocketSession
    let codec: any FrameCodec
    let wireEncoding: WireEncoding
    let encodingKey: MessageEncodingKey
    let inbox: SessionInbox
    /// Runs a block on this session's event loop after the I/O of its current turn: a small publish to an idle
    /// topic under fsync `always` is written and synced there, with the turn's other publishes to that topic.
    let endOfTurn: InlineWrite.EndOfTurn

    var replies = ReplyQueue()
    var output: OutputBatch
    var subscriptions: [Int: SessionSubscription] = [:]
    var subscriptionKeys: [String: Int] = [:]
    var nextSubscriptionKey = 1
    var readingPaused = false
    var flushScheduled = false
    var isDraining = false
    var drained: EventLoopPromise<Void>?
    var isClosed = false
    /// Who the connection is: from the upgrade, replaced by a successful `auth` frame.
    var principal: Principal
    /// The connection's publish rate limiter; nil without a configured rate.
    var publishLimiter: TokenBucket?
    /// The last topic a publish was allowed to, so a publisher that sticks to one topic is checked once.
    var lastAllowedPublishTopic: String?
    /// A request completes off the event loop (an `auth` frame's JWT is verified, a subscribe looks up its start
    /// time on disk) and every later frame must see its outcome: reading is paused and later frames wait in
    /// ``heldMessages``.
    var holdingFrames = false
    /// Frames that arrived while a request was held, handled after its outcome. Bounded: reading stops while
    /// holding, so only what the socket had already delivered (one read cycle) can wait here.
    var heldMessages: [ByteBuffer] = []

    /// The encoding cache keys of `Message.encoded(as:_:)`: one per wire encoding.
    static let jsonKey = MessageEncodingKey(rawValue: 1)
    static let binaryKey = MessageEncodingKey(rawValue: 2)

    init(session: WebSocketSession, shared: Shared) {
        self.session = session
        self.shared = shared
        let binary = session.subprotocol == .binary
        self.wireEncoding = binary ? .binary : .json
        self.codec = self.wireEncoding.codec
        self.encodingKey = binary ? Self.binaryKey : Self.jsonKey
        self.inbox = SessionInbox(eventLoop: session.eventLoop)
        self.endOfTurn = EndOfTurn.runner(on: session.eventLoop)
        self.output = OutputBatch(allocator: ByteBufferAllocator(), opcode: binary ? .binary : .text)
        self.publishLimiter = session.security.makePublishLimiter()
        self.principal = session.principal
    }

    /// A session factory for ``RoostServer``: one ``BrokerSession`` per upgraded connection.
    static func factory(
        broker: Broker, configuration: SessionConfiguration, statistics: ServerStatistics, logger: Logger
    ) -> WebSocketSessionFactory {
        let shared = Shared(broker: broker, configuration: configuration, statistics: statistics, logger: logger)
        return { session in BrokerSession(session: session, shared: shared) }
    }

    var loopBound: NIOLoopBound<BrokerSession> { NIOLoopBound(self, eventLoop: session.eventLoop) }

    // MARK: WebSocketSessionHandler

    func opened(session: WebSocketSession) {
        let bound = loopBound
        inbox.attach { bound.value.drainInbox() }
    }

    func received(message: ByteBuffer, isText: Bool, session: WebSocketSession) {
        guard isText == session.subprotocol.usesTextFrames else {
            let reason = isText ? "text frame on a binary connection" : "binary frame on a JSON connection"
            session.close(code: .policyViolation, reason: reason)
            return
        }
        guard !holdingFrames else {
            heldMessages.append(message)
            return
        }
        handle(message)
    }

    /// Decodes and carries out one client frame.
    func handle(_ message: ByteBuffer) {
        do {
            try dispatch(try codec.decodeClientFrame(message))
        } catch {
            reply(error: error, id: error.requestID)
        }
        scheduleFlush()
    }

    func writabilityChanged(isWritable: Bool, session: WebSocketSession) {
        guard isWritable else { return }
        pumpDeliveries()
        flush()
    }

    func draining(session: WebSocketSession) -> EventLoopFuture<Void> {
        isDraining = true
        if replies.isEmpty { return session.eventLoop.makeSucceededVoidFuture() }
        let promise = drained ?? session.eventLoop.makePromise(of: Void.self)
        drained = promise
        if readingPaused { setReading(true) }
        return promise.futureResult
    }

    func closed(session: WebSocketSession, code: WebSocketErrorCode?) {
        isClosed = true
        inbox.detach()
        for subscription in subscriptions.values {
            subscription.subscription.close()
            statistics.subscriptionClosed()
        }
        subscriptions.removeAll()
        subscriptionKeys.removeAll()
        drained?.succeed()
        drained = nil
    }

    // MARK: Dispatch

    private func dispatch(_ frame: ClientFrame) throws(ProtocolError) {
        guard principal.isAuthenticated || Self.isAuth(frame) else { throw unauthenticated(frame) }
        switch frame {
        case .publish(let f): publish(id: f.id, topic: f.topic, entries: [f.entry], isBatch: false)
        case .publishBatch(let f): publish(id: f.id, topic: f.topic, entries: f.messages, isBatch: true)
        case .subscribe(let f): subscribe(f)
        case .unsubscribe(let f): try unsubscribe(f)
        case .ack(let f): try ack(f)
        case .nack(let f): try nack(f)
        case .credit(let f): try existing(f.sub, id: nil).subscription.grantCredit(Int(f.n))
        case .auth(let f): authenticate(f)
        }
    }

    /// The open subscription named `sub`, or `unknown_subscription`.
    func existing(_ sub: String, id: RequestID?) throws(ProtocolError) -> SessionSubscription {
        guard let key = subscriptionKeys[sub], let subscription = subscriptions[key] else {
            throw ProtocolError(code: .unknownSubscription, field: "sub", message: "no subscription '\(sub)' on this connection", requestID: id)
        }
        return subscription
    }

    // MARK: Replies

    /// Queues `frame` behind every earlier reply (or writes it now when none waits).
    func reply(_ frame: ServerFrame, opens subscription: SessionSubscription? = nil) {
        if replies.isEmpty {
            write(frame)
            subscription?.announced = true
        } else {
            replies.append(.init(frame: frame, opensSubscription: subscription?.key))
        }
    }

    /// Answers a failed request with an `error` frame carrying the request's id.
    func reply(error: any Error, id: RequestID?) {
        reply(.error(errorFrame(error, id: id)))
    }

    func errorFrame(_ error: any Error, id: RequestID?) -> ErrorFrame {
        let code = WireErrors.code(for: error)
        statistics.error(code: code.rawValue)
        return ErrorFrame(id: id, code: code, message: WireErrors.message(for: error))
    }

    func write(_ frame: ServerFrame) {
        let codec = self.codec
        output.frame { codec.encode(frame, into: &$0) }
    }

    /// Writes the replies whose turn has come and opens the subscriptions they announce.
    func releaseReplies() {
        for reply in replies.popReady() {
            if let frame = reply.frame { write(frame) }
            if let key = reply.opensSubscription { subscriptions[key]?.announced = true }
        }
    }

    // MARK: Flushing

    /// Flushes at the end of this event-loop turn, so the replies to every frame of one socket read share a flush.
    func scheduleFlush() {
        guard !output.isEmpty, !flushScheduled else { return }
        flushScheduled = true
        let bound = loopBound
        session.eventLoop.execute {
            bound.value.flushScheduled = false
            bound.value.flush()
        }
    }

    /// Sends every encoded frame with one flush; returns whether the socket is still writable.
    @discardableResult
    func flush() -> Bool {
        guard let framed = output.take(), !isClosed else { return session.isWritable }
        return session.send(framed: framed)
    }

    func setReading(_ enabled: Bool) {
        readingPaused = !enabled
        session.setReadingPaused(readingPaused || holdingFrames)
    }

    /// Holds every later frame until ``resumeFrames()``: the request being handled completes off the event loop.
    func holdFrames() {
        holdingFrames = true
        session.setReadingPaused(true)
    }

    /// Ends a hold: reading resumes (unless pending publishes keep it paused) and the held frames are handled in
    /// order; if one of them holds again, the rest wait for it in turn.
    func resumeFrames() {
        holdingFrames = false
        session.setReadingPaused(readingPaused)
        let held = heldMessages
        heldMessages = []
        for (index, message) in held.enumerated() {
            guard holdingFrames else {
                handle(message)
                continue
            }
            heldMessages.append(contentsOf: held[index...])
            break
        }
    }

    /// Takes everything the inbox collected, carries it out, and flushes once.
    func drainInbox() {
        guard !isClosed else { return }
        var published = PublishTally()
        for event in inbox.takeAll() {
            switch event {
            case .published(let ticket, let result):
                completePublish(ticket, result, tally: &published)
            case .delivered(let key, let deliveries, let runs):
                guard let subscription = subscriptions[key] else { continue }
                if !deliveries.isEmpty { subscription.queue.append(.deliveries(deliveries, run: 0, at: 0, runs: runs)) }
            case .caughtUp(let key, let topic, let offset):
                subscriptions[key]?.queue.append(.caughtUp(topic: topic, offset: offset))
            case .closed(let key, let reason):
                subscriptionEnded(key: key, reason: reason)
            case .skipped(let key, let topic, let offsets):
                subscriptions[key]?.queue.append(.skipped(topic: topic, offsets: offsets))
            }
        }
        statistics.published(requests: published.requests, messages: published.messages, bytes: published.bytes)
        releaseReplies()
        pumpDeliveries()
        flush()
        afterReplies()
    }

    /// Resumes reading once confirms drained below half the limits, and completes a drain when nothing waits.
    func afterReplies() {
        if readingPaused, replies.waitingCount <= configuration.maxPendingPublishes / 2,
            replies.waitingBytes <= configuration.maxPendingPublishBytes / 2
        {
            setReading(true)
        }
        if let drained, replies.isEmpty {
            self.drained = nil
            drained.succeed()
        }
    }

    private func subscriptionEnded(key: Int, reason: SubscriptionCloseReason) {
        guard let subscription = subscriptions.removeValue(forKey: key) else { return }
        subscriptionKeys[subscription.name] = nil
        statistics.subscriptionClosed()
        let code: ErrorCode = reason == .consumerDeleted ? .consumerNotFound : .shuttingDown
        statistics.error(code: code.rawValue)
        reply(.error(ErrorFrame(code: code, message: "subscription '\(subscription.name)' ended: \(reason)")))
    }
}
