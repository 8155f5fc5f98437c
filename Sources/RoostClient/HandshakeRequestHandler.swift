import NIOCore
import NIOHTTP1

/// Sends the HTTP upgrade request once TCP is up, and fails the handshake promise if the connection
/// ends or errs before the upgrade completes (a refused upgrade, a plain HTTP error, a timeout).
final class HandshakeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let url: WebSocketURL
    private let headers: HTTPHeaders
    private let onFailure: @Sendable (RoostClientError) -> Void
    private var status: HTTPResponseStatus?

    init(url: WebSocketURL, headers: HTTPHeaders, onFailure: @escaping @Sendable (RoostClientError) -> Void) {
        self.url = url
        self.headers = headers
        self.onFailure = onFailure
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = self.headers
        headers.add(name: "Host", value: url.hostHeader)
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only reached when the server did not upgrade: it answered with a plain HTTP response.
        if case .head(let head) = unwrapInboundIn(data) { status = head.status }
        if case .end = unwrapInboundIn(data) {
            onFailure(.handshakeFailed("the server answered HTTP \(status.map { "\($0.code)" } ?? "?") instead of upgrading"))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onFailure(.handshakeFailed("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        onFailure(.handshakeFailed("the connection closed during the handshake"))
        context.fireChannelInactive()
    }
}
