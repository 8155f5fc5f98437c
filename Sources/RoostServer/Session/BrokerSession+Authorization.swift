import NIOCore
import RoostBroker
import RoostProtocol
import RoostSecurity

extension BrokerSession {
    /// Why a publish of `count` messages to `topic` is refused, or nil when it may go on: the principal's publish
    /// permission, then the connection's publish rate. Checked before the broker sees the request, so a refusal says
    /// nothing about whether the topic exists, and a refused publish stores nothing and takes no rate tokens.
    func publishRefusal(topic: String, count: Int, id: RequestID?) -> ProtocolError? {
        if topic != self.lastAllowedPublishTopic {
            guard self.principal.permissions.canPublish(topic: topic) else {
                self.session.countSecurityRefusal("forbidden")
                return ProtocolError(code: .forbidden, message: "not allowed to publish to '\(topic)'", requestID: id)
            }
            self.lastAllowedPublishTopic = topic
        }
        guard var limiter = self.publishLimiter else { return nil }
        let now = self.session.security.authenticator.nowMilliseconds()
        let taken = limiter.take(count, nowMilliseconds: now)
        let wait = taken ? 0 : limiter.millisecondsUntilAvailable(count, nowMilliseconds: now)
        self.publishLimiter = limiter
        guard taken else {
            self.session.countSecurityRefusal("rate_limited")
            let hint = count > Int(limiter.burst)
                ? "a batch of \(count) exceeds the burst of \(Int(limiter.burst)); send smaller batches"
                : "retry in \(wait) ms"
            return ProtocolError(
                code: .rateLimited,
                message: "publish rate limit of \(limiter.ratePerSecond) messages/s exceeded; \(hint)", requestID: id)
        }
        return nil
    }

    /// Why a subscription to `frame.topic` with `frame.consumer` is refused, or nil: every topic the pattern can
    /// match must be granted, and a durable consumer's name must match a consumer pattern.
    func subscribeRefusal(_ frame: SubscribeFrame) -> ProtocolError? {
        let permissions = self.principal.permissions
        if permissions.subscribe.allowsEverything, frame.consumer.map(permissions.canUseConsumer) ?? true {
            return nil
        }
        guard permissions.canSubscribe(topic: frame.topic, consumer: frame.consumer) else {
            self.session.countSecurityRefusal("forbidden")
            let what = frame.consumer.map { " as consumer '\($0)'" } ?? ""
            return ProtocolError(
                code: .forbidden, message: "not allowed to subscribe to '\(frame.topic)'\(what)", requestID: frame.id)
        }
        return nil
    }
}

extension BrokerSession {
    /// Whether `frame` is an `auth` frame: the only request a connection may make before it authenticates.
    static func isAuth(_ frame: ClientFrame) -> Bool {
        if case .auth = frame { return true }
        return false
    }

    /// The refusal of a request from a connection that upgraded without a token and has not authenticated yet: not
    /// carried out, answered `unauthorized`.
    func unauthenticated(_ frame: ClientFrame) -> ProtocolError {
        session.countSecurityRefusal("unauthenticated")
        return ProtocolError(
            code: .unauthorized, message: "authenticate first: send an auth frame with a token", requestID: frame.requestID)
    }

    /// (Re-)authenticates the connection with the token of an `auth` frame: on success the new credential's
    /// permissions apply to every later request, its expiry replaces the old one (a JWT about to expire is renewed
    /// without reconnecting), and the connection counts against the new token's connection limit instead of the old
    /// one's; on failure the connection keeps its current credential (or stays unauthenticated).
    ///
    /// A static token is decided at once. For a JWT, reading pauses until the verdict, and frames already read
    /// behind the `auth` frame wait for it, so every request sent after an `auth` frame is checked with its outcome
    /// (a browser may send `auth` and `subscribe` back to back). The answer takes its turn among the replies like
    /// any request.
    func authenticate(_ frame: AuthFrame) {
        let authenticator = session.security.authenticator
        guard authenticator.isEnabled else {
            // Every connection is anonymous with every permission; a token changes nothing (and takes no slot).
            if let id = frame.id { reply(.ok(OKFrame(id: id))) }
            return
        }
        let sequence = replies.reserve(bytes: 0)
        let token = frame.token
        if let verdict = authenticator.immediateVerdict(for: token) {
            authenticated(verdict.mapError { $0 }, id: frame.id, sequence: sequence)
            return
        }
        holdFrames()
        let promise = session.eventLoop.makePromise(of: Principal.self)
        promise.completeWithTask { try await authenticator.authenticate(token) }
        let bound = loopBound
        let id = frame.id
        promise.futureResult.whenComplete { result in
            bound.value.authenticated(result, id: id, sequence: sequence)
        }
    }

    private func authenticated(_ result: Result<Principal, any Error>, id: RequestID?, sequence: UInt64) {
        guard !isClosed else { return }
        let frame: ServerFrame?
        var replaced = false
        switch result {
        case .success(let principal) where session.authenticate(as: principal):
            self.principal = principal
            self.lastAllowedPublishTopic = nil
            replaced = true
            frame = id.map { .ok(OKFrame(id: $0)) }
        case .success:
            statistics.error(code: ErrorCode.tooManyConnections.rawValue)
            session.countSecurityRefusal("principal_connections")
            frame = .error(ErrorFrame(
                id: id, code: .tooManyConnections, message: "this token already holds the most connections allowed"))
        case .failure(let error):
            let failure = error as? AuthenticationError
            let code: ErrorCode = failure?.code == ErrorCode.tokenExpired.rawValue ? .tokenExpired : .unauthorized
            statistics.error(code: code.rawValue)
            session.countSecurityRefusal("unauthorized")
            frame = .error(ErrorFrame(id: id, code: code, message: failure?.message ?? "token not accepted"))
        }
        replies.fill(sequence, with: .init(frame: frame, opensSubscription: nil))
        releaseReplies()
        if replaced { endSubscriptionsNoLongerAllowed() }
        resumeFrames()
        flush()
        afterReplies()
    }

    /// A new credential may read less than the old one: every open subscription it could not open itself ends, with
    /// an `error` `forbidden` (no id) naming it, so that an `auth` frame never leaves a reader on topics it lost.
    private func endSubscriptionsNoLongerAllowed() {
        let permissions = principal.permissions
        for (key, subscription) in subscriptions.sorted(by: { $0.key < $1.key }) {
            let consumer = subscription.subscription.durable ? subscription.subscription.consumerName : nil
            guard !permissions.canSubscribe(topic: subscription.filter, consumer: consumer) else { continue }
            subscriptions[key] = nil
            subscriptionKeys[subscription.name] = nil
            subscription.subscription.close()
            statistics.subscriptionClosed()
            statistics.error(code: ErrorCode.forbidden.rawValue)
            session.countSecurityRefusal("forbidden")
            reply(.error(ErrorFrame(
                code: .forbidden,
                message: "subscription '\(subscription.name)' ended: the new credential may not read '\(subscription.filter)'")))
        }
    }
}
