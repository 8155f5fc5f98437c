import NIOCore
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
    /// Re-authenticates the connection with the token of an `auth` frame: on success the new credential's
    /// permissions apply to every later request and its expiry replaces the old one (a JWT about to expire is
    /// renewed without reconnecting); on failure the connection keeps its current credential. The answer takes
    /// its turn among the replies like any request; requests sent before it are checked with the old credential.
    func authenticate(_ frame: AuthFrame) {
        let sequence = replies.reserve(bytes: 0)
        let authenticator = session.security.authenticator
        let token = frame.token
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
        var frame: ServerFrame?
        switch result {
        case .success(let principal):
            self.principal = principal
            self.lastAllowedPublishTopic = nil
            session.reauthenticated(principal)
            frame = id.map { .ok(OKFrame(id: $0)) }
        case .failure(let error):
            let failure = error as? AuthenticationError
            let code: ErrorCode = failure?.code == ErrorCode.tokenExpired.rawValue ? .tokenExpired : .unauthorized
            statistics.error(code: code.rawValue)
            session.countSecurityRefusal("unauthorized")
            frame = .error(ErrorFrame(id: id, code: code, message: failure?.message ?? "token not accepted"))
        }
        replies.fill(sequence, with: .init(frame: frame, opensSubscription: nil))
        releaseReplies()
        flush()
        afterReplies()
    }
}
