import NIOCore
import NIOHTTP1

/// The whole pipeline of a connection over ``ServerConfiguration/maxConnections``: it reads the request, so the
/// client sees an answer rather than a reset, answers 503 `unavailable` and closes.
final class ConnectionRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var version = HTTPVersion.http1_1

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.version = head.version
        case .body:
            break
        case .end:
            let error = HTTPRouteError.unavailable("too many connections; retry later")
            HTTPResponseWriter.write(error.response, version: self.version, keepAlive: false, context: context)
        }
    }
}
