import NIOCore
import Testing

@testable import RoostClient

/// The hand-built client frames: encoding in place gives the same bytes as framing an encoded payload.
struct WebSocketFramingTests {
    @Test(arguments: [0, 1, 5, 125, 126, 127, 65_535, 65_536, 70_001])
    func framingInPlaceMatchesFramingACopy(length: Int) {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let key: UInt32 = 0xA1B2_C3D4
        var expected = ByteBuffer()
        WebSocketFraming.appendMaskedFrame(payload, binary: true, maskKey: key, into: &expected)
        let inPlace = WebSocketFraming.maskedFrame(binary: true, maskKey: key) { $0.writeImmutableBuffer(payload) }
        #expect(inPlace == expected)
        var text = ByteBuffer()
        WebSocketFraming.appendMaskedFrame(payload, binary: false, maskKey: key, into: &text)
        #expect(WebSocketFraming.maskedFrame(binary: false, maskKey: key) { $0.writeImmutableBuffer(payload) } == text)
    }
}
