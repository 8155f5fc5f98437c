import NIOCore
import NIOHTTP1

/// Sits in front of NIO's `HTTPServerUpgradeHandler` and answers invalid WebSocket handshakes with the status
/// RFC 6455 asks for (400, 404, 426 with `Sec-WebSocket-Version: 13`), then closes. Valid handshakes and plain HTTP
/// pass through untouched. Removed with the other HTTP handlers once the upgrade is done.
final class HandshakeValidationHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case passing
        /// Swallowing the rest of a rejected request; the error goes out when it ends.
        case rejecting(HTTPRouteError, HTTPVersion)
    }

    private var state = State.passing
    private var seenFirstRequest = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        switch (self.state, part) {
        case (.passing, .head(let head)):
            let first = !self.seenFirstRequest
            self.seenFirstRequest = true
            switch WebSocketHandshake.evaluate(head) {
            case .notWebSocket:
                context.fireChannelRead(data)
            case .accept:
                if first {
                    context.fireChannelRead(data)
                } else {
                    // NIO upgrades only the first request of a connection.
                    self.state = .rejecting(.badRequest("the WebSocket handshake must be the first request on a connection"), head.version)
                }
            case .reject(let error):
                self.state = .rejecting(error, head.version)
            }
        case (.passing, _):
            context.fireChannelRead(data)
        case (.rejecting(let error, let version), .end):
            self.state = .passing
            HTTPResponseWriter.write(error.response, version: version, keepAlive: false, context: context)
        case (.rejecting, _):
            break
        }
    }
}
