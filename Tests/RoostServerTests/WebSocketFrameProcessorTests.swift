import NIOCore
import NIOWebSocket
import Testing

@testable import RoostServer

@Suite struct WebSocketFrameProcessorTests {
    private let mask: WebSocketMaskingKey = [1, 2, 3, 4]

    private func frame(
        _ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, masked: Bool = true, rsv1: Bool = false
    ) -> WebSocketFrame {
        var data = ByteBuffer(bytes: bytes)
        if masked { data.webSocketMask(self.mask) }
        return WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, maskKey: masked ? self.mask : nil, data: data)
    }

    private func text(_ string: String, fin: Bool = true) -> WebSocketFrame {
        self.frame(.text, Array(string.utf8), fin: fin)
    }

    private func failureCode(_ action: WebSocketFrameProcessor.Action) -> WebSocketErrorCode? {
        if case .fail(let code, _) = action { return code }
        return nil
    }

    @Test func deliversAnUnfragmentedTextMessage() {
        var processor = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(processor.process(self.text("héllo")) == .deliver(ByteBuffer(string: "héllo"), isText: true))
    }

    @Test func reassemblesFragmentsWithAPingBetween() {
        var processor = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(processor.process(self.frame(.binary, [1, 2], fin: false)) == .none)
        #expect(processor.process(self.frame(.ping, [9])) == .pong(ByteBuffer(bytes: [9])))
        #expect(processor.process(self.frame(.continuation, [3], fin: false)) == .none)
        #expect(processor.process(self.frame(.continuation, [4])) == .deliver(ByteBuffer(bytes: [1, 2, 3, 4]), isText: false))
        #expect(processor.process(self.text("next")) == .deliver(ByteBuffer(string: "next"), isText: true))
    }

    @Test func acceptsAUTF8SequenceSplitAcrossFragments() {
        var processor = WebSocketFrameProcessor(maxMessageSize: 100)
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        #expect(processor.process(self.frame(.text, [0x41, euro[0]], fin: false)) == .none)
        #expect(processor.process(self.frame(.continuation, [euro[1], euro[2]])) == .deliver(ByteBuffer(string: "A€"), isText: true))
    }

    @Test func rejectsUnmaskedFrames() {
        var processor = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(self.failureCode(processor.process(self.frame(.text, [0x41], masked: false))) == .protocolError)
    }

    @Test func rejectsReservedBitsAndOpcodes() {
        var processor = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(self.failureCode(processor.process(self.frame(.text, [0x41], rsv1: true))) == .protocolError)
        for raw: UInt8 in [3, 7, 0xB, 0xF] {
            var reserved = WebSocketFrameProcessor(maxMessageSize: 100)
            let opcode = WebSocketOpcode(encodedWebSocketOpcode: raw)!
            #expect(self.failureCode(reserved.process(self.frame(opcode, []))) == .protocolError)
        }
    }

    @Test func rejectsBrokenFragmentation() {
        var orphan = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(self.failureCode(orphan.process(self.frame(.continuation, [1]))) == .protocolError)
        var interleaved = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(interleaved.process(self.text("a", fin: false)) == .none)
        #expect(self.failureCode(interleaved.process(self.text("b"))) == .protocolError)
        var fragmentedPing = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(self.failureCode(fragmentedPing.process(self.frame(.ping, [], fin: false))) == .protocolError)
    }

    @Test func rejectsMessagesOverTheLimitEvenWhenFragmented() {
        var single = WebSocketFrameProcessor(maxMessageSize: 4)
        #expect(self.failureCode(single.process(self.frame(.binary, [1, 2, 3, 4, 5]))) == .messageTooLarge)
        var fragmented = WebSocketFrameProcessor(maxMessageSize: 4)
        #expect(fragmented.process(self.frame(.binary, [1, 2, 3], fin: false)) == .none)
        #expect(self.failureCode(fragmented.process(self.frame(.continuation, [4, 5]))) == .messageTooLarge)
    }

    @Test func rejectsInvalidUTF8InText() {
        var processor = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(self.failureCode(processor.process(self.frame(.text, [0x41, 0xFF]))) == .dataInconsistentWithMessage)
        var truncated = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(self.failureCode(truncated.process(self.frame(.text, [0xE2, 0x82]))) == .dataInconsistentWithMessage)
        var binary = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(binary.process(self.frame(.binary, [0xFF])) == .deliver(ByteBuffer(bytes: [0xFF]), isText: false))
    }

    @Test func validatesClosePayloads() {
        var processor = WebSocketFrameProcessor(maxMessageSize: 100)
        #expect(processor.process(self.frame(.connectionClose, [])) == .peerClosed(code: nil))
        #expect(processor.process(self.frame(.connectionClose, [0x03, 0xE8, 0x6F, 0x6B])) == .peerClosed(code: 1000))
        #expect(processor.process(self.frame(.connectionClose, [0x0F, 0xA0])) == .peerClosed(code: 4000))
        #expect(self.failureCode(processor.process(self.frame(.connectionClose, [0x03]))) == .protocolError)
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 2999, 5000] {
            let payload = [UInt8(code >> 8), UInt8(code & 0xFF)]
            #expect(self.failureCode(processor.process(self.frame(.connectionClose, payload))) == .protocolError)
        }
        let badReason: [UInt8] = [0x03, 0xE8, 0xC0, 0x80]
        #expect(self.failureCode(processor.process(self.frame(.connectionClose, badReason))) == .dataInconsistentWithMessage)
    }
}
