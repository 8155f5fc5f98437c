import Foundation
import NIOCore
import NIOHTTP1
import RoostSecurity

/// Guards every HTTP request before it is routed or upgraded:
/// - a WebSocket handshake from a foreign `Origin` gets 403 `forbidden_origin`;
/// - with authentication on, a WebSocket handshake with a token (`Authorization: Bearer` or `?token=`) needs a valid
///   one: 401 `unauthorized` (or `token_expired`) otherwise; one without any token is accepted as
///   ``Principal/unauthenticated`` (it must send an `auth` frame within ``SecurityConfiguration/authTimeoutMilliseconds``)
///   unless that timeout is 0, then it is 401 too; 429 `too_many_connections` when the principal (or the
///   unauthenticated connections together) already holds ``SecurityConfiguration/maxConnectionsPerPrincipal``;
/// - with authentication on, `/metrics` and `/v1/admin/...` need an admin token (401 without a valid token, 403
///   `forbidden` without the admin permission); `/healthz` and `/readyz` stay open for probes.
///
/// The accepted principal is left in the connection's ``ConnectionCredential`` for the WebSocket session. A static
/// token is decided at once; a JWT is verified asynchronously, and while it is, reading stops and the request's
/// parts wait here (at most one read's worth), then go on in order.
/// Removed with the other HTTP handlers after an upgrade. Lives on the connection's event loop.
final class HTTPSecurityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// Forwarding the parts of an allowed request until its end.
        case passing
        /// Waiting for an asynchronous verdict, holding the request's parts.
        case checking([HTTPServerRequestPart])
        /// Swallowing the rest of a refused request; the error goes out at its end.
        case rejecting(HTTPRouteError, HTTPVersion)
    }

    private let security: ServerSecurity
    private let credential: ConnectionCredential
    private let metrics: TransportMetrics
    private var state = State.idle
    /// Set once the handler leaves the pipeline: a verdict arriving later must not touch the context.
    private var removed = false

    /// - Parameter credential: where the accepted principal goes; the server releases its slot when the connection
    ///   closes (after an upgrade the count must live as long as the connection, not this handler).
    init(security: ServerSecurity, credential: ConnectionCredential, metrics: TransportMetrics) {
        self.security = security
        self.credential = credential
        self.metrics = metrics
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.removed = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        switch (self.state, part) {
        case (.idle, .head(let head)):
            self.begin(head, context: context)
        case (.idle, _), (.passing, .body):
            context.fireChannelRead(data)
        case (.passing, .end):
            self.state = .idle
            context.fireChannelRead(data)
        case (.passing, .head):
            context.fireChannelRead(data)
        case (.checking(var parts), _):
            parts.append(part)
            self.state = .checking(parts)
        case (.rejecting(let error, let version), .end):
            self.state = .idle
            HTTPResponseWriter.write(error.response, version: version, keepAlive: false, context: context)
        case (.rejecting, _):
            break
        }
    }

    private enum Requirement {
        case webSocket
        case administrator
        case topicAdministrator(String)
        case none
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let requirement = Self.requirement(for: head)
        if case .webSocket = requirement, !self.security.originPolicy.allows(head.headers.first(name: "Origin")) {
            self.metrics.securityRefusal("origin")
            self.reject(HTTPRouteError(status: .forbidden, code: "forbidden_origin", message: "origin not allowed"), head, context)
            return
        }
        let authenticator = self.security.authenticator
        guard authenticator.isEnabled, !Self.isOpen(requirement) else {
            self.state = .passing
            context.fireChannelRead(self.wrapInboundOut(.head(head)))
            return
        }
        let authorization = head.headers.first(name: "Authorization")
        let token = Authenticator.bearerToken(fromAuthorization: authorization) ?? Self.queryToken(head.uri)
        if case .webSocket = requirement, token == nil, authorization == nil,
            self.security.configuration.authTimeoutMilliseconds > 0
        {
            // No credential at all: the client will authenticate with its first frame (browsers that keep tokens
            // out of URLs). A credential that is present but wrong is still refused here.
            self.admit(.unauthenticated, head: head, context: context)
            return
        }
        self.state = .checking([.head(head)])
        if let verdict = authenticator.immediateVerdict(for: token) {
            self.decided(verdict.mapError { $0 }, requirement: requirement, head: head, context: context)
            return
        }
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let promise = context.eventLoop.makePromise(of: Principal.self)
        promise.completeWithTask { try await authenticator.authenticate(token) }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { result in
            let (handler, context) = loopBound.value
            handler.decided(result, requirement: requirement, head: head, context: context)
        }
    }

    private func decided(
        _ result: Result<Principal, any Error>, requirement: Requirement, head: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        guard !self.removed, case .checking(let parts) = self.state else { return }
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        let verdict = Self.verdict(result, requirement: requirement)
        switch verdict {
        case .failure(let error):
            self.metrics.securityRefusal(error.status == .forbidden ? "forbidden" : "unauthorized")
            self.state = .rejecting(error, head.version)
        case .success(let principal):
            if case .webSocket = requirement {
                self.admit(principal, head: head, context: nil)
            } else {
                self.state = .passing
            }
        }
        self.replay(parts, context: context)
    }

    /// Lets a WebSocket upgrade through as `principal` when its identity has a connection slot left, or refuses it
    /// with 429. With a `context`, the request head is passed on (or held for the refusal) at once; without, the
    /// caller replays the held parts.
    private func admit(_ principal: Principal, head: HTTPRequestHead, context: ChannelHandlerContext?) {
        if self.credential.replace(with: principal) {
            self.state = .passing
        } else {
            self.metrics.securityRefusal("principal_connections")
            let message = principal.isAuthenticated
                ? "this token already holds the most connections allowed"
                : "too many connections are waiting to authenticate"
            self.state = .rejecting(
                HTTPRouteError(status: .tooManyRequests, code: "too_many_connections", message: message), head.version)
        }
        guard let context, case .passing = self.state else { return }
        context.fireChannelRead(self.wrapInboundOut(.head(head)))
    }

    /// Feeds the held parts through `channelRead` again, now that the state says what to do with them.
    private func replay(_ parts: [HTTPServerRequestPart], context: ChannelHandlerContext) {
        for part in parts {
            switch (self.state, part) {
            case (.passing, .end):
                self.state = .idle
                context.fireChannelRead(self.wrapInboundOut(part))
            case (.passing, _):
                context.fireChannelRead(self.wrapInboundOut(part))
            default:
                self.channelRead(context: context, data: self.wrapInboundOut(part))
            }
        }
        context.read()
    }

    private func reject(_ error: HTTPRouteError, _ head: HTTPRequestHead, _ context: ChannelHandlerContext) {
        self.state = .rejecting(error, head.version)
    }

    private static func verdict(_ result: Result<Principal, any Error>, requirement: Requirement) -> Result<Principal, HTTPRouteError> {
        let principal: Principal
        switch result {
        case .success(let value): principal = value
        case .failure(let error as AuthenticationError):
            var refusal = HTTPRouteError(status: .unauthorized, code: error.code, message: error.message)
            refusal.headers.add(name: "WWW-Authenticate", value: "Bearer")
            return .failure(refusal)
        case .failure:
            return .failure(HTTPRouteError(status: .unauthorized, code: "unauthorized", message: "token not accepted"))
        }
        let allowed: Bool
        switch requirement {
        case .webSocket, .none: allowed = true
        case .administrator: allowed = principal.permissions.isAdministrator
        case .topicAdministrator(let topic): allowed = principal.permissions.canAdminister(topic: topic)
        }
        guard allowed else {
            return .failure(HTTPRouteError(status: .forbidden, code: "forbidden", message: "admin permission required"))
        }
        return .success(principal)
    }

    private static func isOpen(_ requirement: Requirement) -> Bool {
        if case .none = requirement { return true }
        return false
    }

    private static func requirement(for head: HTTPRequestHead) -> Requirement {
        if case .accept = WebSocketHandshake.evaluate(head) { return .webSocket }
        let path = WebSocketHandshake.pathOf(head.uri)
        if path == "/metrics" { return .administrator }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == "v1", parts[1] == "admin" else { return .none }
        // Reads and changes of one topic need admin over that topic; the rest (lists, stats, creating topics,
        // consumers) needs admin over every topic.
        if parts.count == 4, parts[2] == "topics", head.method != .POST {
            return .topicAdministrator(String(parts[3]))
        }
        return .administrator
    }

    /// The `token` query parameter, percent-decoded.
    static func queryToken(_ uri: String) -> String? {
        guard let mark = uri.firstIndex(of: "?") else { return nil }
        for item in uri[uri.index(after: mark)...].split(separator: "&") where item.hasPrefix("token=") {
            let raw = String(item.dropFirst(6)).replacingOccurrences(of: "+", with: " ")
            return raw.removingPercentEncoding ?? raw
        }
        return nil
    }
}
