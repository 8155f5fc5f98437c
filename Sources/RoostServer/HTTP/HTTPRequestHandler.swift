import NIOCore
import NIOHTTP1

/// Answers plain HTTP/1.1 requests from an ``HTTPRouter``: collects the body up to the limit (413 beyond),
/// runs the matching route, writes the response, keeps the connection alive when the client asked for it.
/// `HTTPServerPipelineHandler` in front of it serialises pipelined requests, so one request is handled at a time.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The rest of a request that was already answered (413) is dropped.
        case discarding
        case responding
    }

    private let router: HTTPRouter
    private let maxBodySize: Int
    private var state = State.idle
    private var shuttingDown = false

    init(router: HTTPRouter, maxBodySize: Int) {
        self.router = router
        self.maxBodySize = maxBodySize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (self.state, self.unwrapInboundIn(data)) {
        case (.idle, .head(let head)):
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > self.maxBodySize {
                self.reject(head: head, context: context)
                return
            }
            self.state = .receiving(head, context.channel.allocator.buffer(capacity: 0))
        case (.receiving(let head, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= self.maxBodySize else {
                self.reject(head: head, context: context)
                return
            }
            self.state = .idle  // lets `body` be appended to without a copy
            body.writeBuffer(&chunk)
            self.state = .receiving(head, body)
        case (.receiving(let head, let body), .end):
            self.state = .responding
            self.respond(head: head, body: body, context: context)
        case (.discarding, _), (.responding, _), (.idle, _), (.receiving, _):
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ServerShutdownEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.shuttingDown = true
        if case .idle = self.state { context.close(promise: nil) }
    }

    private func reject(head: HTTPRequestHead, context: ChannelHandlerContext) {
        self.state = .discarding
        let error = HTTPRouteError.payloadTooLarge("request body over \(self.maxBodySize) bytes")
        HTTPResponseWriter.write(error.response, version: head.version, keepAlive: false, context: context)
    }

    private func respond(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let path = WebSocketHandshake.pathOf(head.uri)
        switch self.router.match(method: head.method, path: path) {
        case .notFound:
            self.finish(HTTPRouteError.notFound("no route for \(path)").response, head: head, context: context)
        case .methodNotAllowed(let allowed):
            let error = HTTPRouteError.methodNotAllowed("\(head.method.rawValue) not allowed on \(path)", allowed: allowed)
            self.finish(error.response, head: head, context: context)
        case .found(.sync(let handler), let parameters):
            let response = Self.run { try handler(HTTPRouteRequest(head: head, body: body, parameters: parameters)) }
            self.finish(response, head: head, context: context)
        case .found(.async(let handler), let parameters):
            let request = HTTPRouteRequest(head: head, body: body, parameters: parameters)
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let promise = context.eventLoop.makePromise(of: HTTPRouteResponse.self)
            promise.completeWithTask { await Self.runAsync { try await handler(request) } }
            promise.futureResult.whenSuccess { response in
                let (handler, context) = loopBound.value
                handler.finish(response, head: head, context: context)
            }
        }
    }

    private func finish(_ response: HTTPRouteResponse, head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        self.state = .idle
        HTTPResponseWriter.write(
            response, version: head.version, keepAlive: head.isKeepAlive && !self.shuttingDown, context: context)
    }

    private static func run(_ body: () throws -> HTTPRouteResponse) -> HTTPRouteResponse {
        do { return try body() } catch { return Self.response(for: error) }
    }

    private static func runAsync(_ body: () async throws -> HTTPRouteResponse) async -> HTTPRouteResponse {
        do { return try await body() } catch { return Self.response(for: error) }
    }

    private static func response(for error: any Error) -> HTTPRouteResponse {
        (error as? HTTPRouteError ?? .internalError("internal error")).response
    }
}
