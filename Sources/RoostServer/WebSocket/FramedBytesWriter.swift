import NIOCore

/// Writes bytes that already are WebSocket frames (``FramedBytes``) straight toward the socket. It sits below
/// (on the socket side of) NIO's `WebSocketFrameEncoder`, so pre-framed batches skip it, while control frames
/// written as `WebSocketFrame`s pass through it unchanged; both paths stay in write order because every write
/// runs synchronously on the connection's event loop.
final class FramedBytesWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes `pieces` in order and flushes once (the channel gathers them into one `writev`); dropped once the
    /// handler left the pipeline (the connection is closing).
    func writeAndFlush(_ pieces: [ByteBuffer]) {
        guard let context = self.context else { return }
        for piece in pieces { context.write(self.wrapOutboundOut(piece), promise: nil) }
        context.flush()
    }
}
