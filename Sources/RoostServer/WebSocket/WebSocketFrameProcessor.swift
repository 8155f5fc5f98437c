import NIOCore
import NIOWebSocket

/// The RFC 6455 rules for frames coming from a client, as a pure state machine: it takes one decoded frame and
/// returns what the connection must do. No I/O, so every rule is tested by feeding frames and checking actions.
///
/// NIO's `WebSocketFrameDecoder` only splits the byte stream into frames (and enforces the frame size and the
/// control-frame shape); masking, reserved bits and opcodes, fragmentation, message size, UTF-8 and close
/// payloads are checked here.
struct WebSocketFrameProcessor {
    /// What the connection does with a frame.
    enum Action: Equatable {
        /// Nothing to do (a pong, or a fragment that does not finish its message).
        case none
        /// A complete message for the session.
        case deliver(ByteBuffer, isText: Bool)
        /// Answer a ping with a pong carrying this payload.
        case pong(ByteBuffer)
        /// The peer sent a valid close frame; `code` is nil when the frame carried no status code.
        case peerClosed(code: UInt16?)
        /// A protocol violation: send a close frame with this code and reason, then close TCP.
        case fail(WebSocketErrorCode, reason: String)
    }

    private struct PartialMessage {
        var isText: Bool
        var buffer: ByteBuffer
        var validator: UTF8Validator
    }

    private let maxMessageSize: Int
    private var partial: PartialMessage?

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    mutating func process(_ frame: WebSocketFrame) -> Action {
        guard frame.maskKey != nil else { return .fail(.protocolError, reason: "client frames must be masked") }
        guard frame.reservedBits.isEmpty else {
            return .fail(.protocolError, reason: "reserved bits set without a negotiated extension")
        }
        switch frame.opcode {
        case .text, .binary:
            return self.startMessage(frame)
        case .continuation:
            return self.continueMessage(frame)
        case .ping:
            guard frame.fin, frame.length <= 125 else { return .fail(.protocolError, reason: "invalid ping frame") }
            return .pong(WebSocketUnmasking.payload(of: frame))
        case .pong:
            guard frame.fin, frame.length <= 125 else { return .fail(.protocolError, reason: "invalid pong frame") }
            return .none
        case .connectionClose:
            guard frame.fin, frame.length <= 125 else { return .fail(.protocolError, reason: "invalid close frame") }
            return Self.closeAction(WebSocketUnmasking.payload(of: frame))
        default:
            return .fail(.protocolError, reason: "reserved opcode")
        }
    }

    private mutating func startMessage(_ frame: WebSocketFrame) -> Action {
        guard self.partial == nil else {
            return .fail(.protocolError, reason: "new data frame before the fragmented message finished")
        }
        guard frame.length <= self.maxMessageSize else { return .fail(.messageTooLarge, reason: "message too large") }
        let isText = frame.opcode == .text
        let data = WebSocketUnmasking.payload(of: frame)
        var validator = UTF8Validator()
        if isText {
            guard data.withUnsafeReadableBytes({ validator.feed($0) }) else {
                return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8 in text message")
            }
        }
        if frame.fin {
            guard validator.isComplete else {
                return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8 in text message")
            }
            return .deliver(data, isText: isText)
        }
        self.partial = PartialMessage(isText: isText, buffer: data, validator: validator)
        return .none
    }

    private mutating func continueMessage(_ frame: WebSocketFrame) -> Action {
        guard var message = self.partial else {
            return .fail(.protocolError, reason: "continuation frame without a message to continue")
        }
        self.partial = nil  // keeps `message.buffer` uniquely referenced while appending
        guard message.buffer.readableBytes + frame.length <= self.maxMessageSize else {
            return .fail(.messageTooLarge, reason: "message too large")
        }
        var data = WebSocketUnmasking.payload(of: frame)
        if message.isText {
            guard data.withUnsafeReadableBytes({ message.validator.feed($0) }) else {
                return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8 in text message")
            }
        }
        message.buffer.writeBuffer(&data)
        if frame.fin {
            guard message.validator.isComplete else {
                return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8 in text message")
            }
            return .deliver(message.buffer, isText: message.isText)
        }
        self.partial = message
        return .none
    }

    /// Validates a close frame's payload: empty, or a 2-byte code that may be sent on the wire followed by a
    /// UTF-8 reason.
    private static func closeAction(_ payload: ByteBuffer) -> Action {
        var payload = payload
        guard payload.readableBytes > 0 else { return .peerClosed(code: nil) }
        guard let code = payload.readInteger(as: UInt16.self) else {
            return .fail(.protocolError, reason: "close frame with a 1-byte payload")
        }
        guard Self.isValidCloseCode(code) else { return .fail(.protocolError, reason: "invalid close code") }
        var validator = UTF8Validator()
        guard payload.withUnsafeReadableBytes({ validator.feed($0) }), validator.isComplete else {
            return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8 in close reason")
        }
        return .peerClosed(code: code)
    }

    /// Codes a peer may put in a close frame: the defined ones that are not reserved for local use
    /// (1004, 1005, 1006 and 1015 must never be sent), and the ranges for libraries and applications.
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }
}
