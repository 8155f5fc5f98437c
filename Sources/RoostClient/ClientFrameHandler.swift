import NIOCore
import NIOWebSocket

/// The WebSocket layer of a client connection, after the upgrade: reassembles fragmented messages (up to
/// a limit), answers pings and runs the close handshake, masking the control frames it sends as RFC 6455
/// requires of clients (data frames are framed and masked in the client's outbox and written raw).
/// Complete messages go to `onMessage` on the event loop, synchronously: no task hop.
final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let maxMessageSize: Int
    private let onMessage: @Sendable (ByteBuffer) -> Void
    private let onClosed: @Sendable (WebSocketErrorCode?) -> Void
    private let onReadComplete: (@Sendable () -> Void)?
    private var context: ChannelHandlerContext?
    private var fragments: ByteBuffer?
    private var fragmentOpcode: WebSocketOpcode = .binary
    private var closeSent = false
    private var closeCode: WebSocketErrorCode?
    private var masks: MaskGenerator

    init(
        maxMessageSize: Int, onMessage: @escaping @Sendable (ByteBuffer) -> Void,
        onClosed: @escaping @Sendable (WebSocketErrorCode?) -> Void, onReadComplete: (@Sendable () -> Void)? = nil
    ) {
        self.maxMessageSize = maxMessageSize
        self.onMessage = onMessage
        self.onClosed = onClosed
        self.onReadComplete = onReadComplete
        self.masks = MaskGenerator()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClosed(closeCode)
        context.fireChannelInactive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onReadComplete?()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Decoder errors (oversized or malformed frames) end the connection; the reconnect logic takes over.
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return fail(.protocolError) }
            if frame.fin {
                onMessage(frame.unmaskedData)
            } else {
                fragments = frame.unmaskedData
                fragmentOpcode = frame.opcode
            }
        case .continuation:
            guard var buffer = fragments else { return fail(.protocolError) }
            var part = frame.unmaskedData
            guard buffer.readableBytes + part.readableBytes <= maxMessageSize else { return fail(.messageTooLarge) }
            buffer.writeBuffer(&part)
            if frame.fin {
                fragments = nil
                onMessage(buffer)
            } else {
                fragments = buffer
            }
        case .ping:
            guard !closeSent else { return }
            write(WebSocketFrame(fin: true, opcode: .pong, maskKey: masks.next(), data: frame.unmaskedData))
            context.flush()
        case .pong:
            break
        case .connectionClose:
            var data = frame.unmaskedData
            closeCode = data.readWebSocketErrorCode()
            if !closeSent {
                closeSent = true
                var echo = context.channel.allocator.buffer(capacity: 2)
                echo.write(webSocketErrorCode: closeCode ?? .normalClosure)
                context.writeAndFlush(
                    wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masks.next(), data: echo)),
                    promise: nil)
            }
            context.close(promise: nil)
        default:
            fail(.protocolError)
        }
    }

    /// Starts the close handshake; TCP closes when the broker answers (or after `timeout`).
    func initiateClose(code: WebSocketErrorCode, timeout: TimeAmount) {
        guard let context, !closeSent else { return }
        closeSent = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        context.writeAndFlush(
            wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masks.next(), data: data)),
            promise: nil)
        let channel = context.channel
        channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func write(_ frame: WebSocketFrame) {
        context?.write(wrapOutboundOut(frame), promise: nil)
    }

    private func fail(_ code: WebSocketErrorCode) {
        guard let context else { return }
        if !closeSent {
            closeSent = true
            var data = context.channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: code)
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masks.next(), data: data)),
                promise: nil)
        }
        context.close(promise: nil)
    }
}

/// Masking keys for outbound frames: a SplitMix64 stream seeded once per connection from the system
/// generator. RFC 6455 wants keys a proxy cannot predict from earlier frames; a seeded stream gives that
/// without a system call per frame (the system generator costs one `getrandom` each).
struct MaskGenerator {
    private var state: UInt64
    private var spare: UInt32?

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    mutating func next() -> WebSocketMaskingKey {
        let word = nextWord()
        return [UInt8(truncatingIfNeeded: word), UInt8(truncatingIfNeeded: word >> 8),
                UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 24)]
    }

    /// The next key as a 32-bit value (its little-endian bytes are the key).
    mutating func nextWord() -> UInt32 {
        let word: UInt32
        if let spare {
            word = spare
            self.spare = nil
        } else {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            word = UInt32(truncatingIfNeeded: z)
            spare = UInt32(truncatingIfNeeded: z >> 32)
        }
        return word
    }
}
