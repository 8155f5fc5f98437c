import NIOCore
import NIOWebSocket
import Testing

@testable import RoostServer

@Suite struct WebSocketUnmaskingTests {
    /// Every length around the 8-byte word boundary, every phase of the key: the word-at-a-time unmasking gives
    /// exactly the bytes NIO's byte-at-a-time reference gives.
    @Test func matchesTheByteAtATimeReference() {
        let key: WebSocketMaskingKey = [0x12, 0x34, 0xAB, 0xCD]
        for length in 0...37 {
            let plain = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            for phase in 0..<4 {
                var masked = plain
                masked.webSocketMask(key, indexOffset: phase)
                #expect(WebSocketUnmasking.unmasked(masked, key: key, phase: phase) == plain, "length \(length), phase \(phase)")
            }
        }
    }

    @Test func unmasksAFrameSlicedFromALargerBufferWithoutTouchingIt() {
        let key: WebSocketMaskingKey = [9, 8, 7, 6]
        var wire = ByteBuffer(string: "header--")
        var payload = ByteBuffer(string: "{\"op\":\"publish\",\"topic\":\"t\",\"data\":1}")
        payload.webSocketMask(key)
        wire.writeBuffer(&payload)
        let maskedSlice = wire.getSlice(at: 8, length: wire.readableBytes - 8)!
        let maskedBytes = Array(maskedSlice.readableBytesView)
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: maskedSlice)
        #expect(WebSocketUnmasking.payload(of: frame) == ByteBuffer(string: "{\"op\":\"publish\",\"topic\":\"t\",\"data\":1}"))
        // The shared read buffer keeps its masked bytes: payload slices never alias it.
        #expect(Array(wire.readableBytesView.dropFirst(8)) == maskedBytes)
    }

    @Test func anUnmaskedFrameIsReturnedAsIs() {
        let frame = WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1, 2, 3]))
        #expect(WebSocketUnmasking.payload(of: frame) == ByteBuffer(bytes: [1, 2, 3]))
    }
}
