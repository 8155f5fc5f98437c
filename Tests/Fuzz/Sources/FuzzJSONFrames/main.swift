import FuzzSupport
import NIOCore
import RoostProtocol

/// libFuzzer entry point: one input is one WebSocket text message in the JSON encoding. Both directions are
/// decoded (the server decodes client frames, the client library server frames); whatever decodes must
/// encode to bytes that decode and encode to the same bytes again. Returning is success; a trap or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    let codec = WireEncoding.json.codec
    // A decoder may normalise (a `deliveries` of 0 reads as 1, which the encoder then leaves out), so the
    // property is that what was decoded once is stable: encode, decode, encode gives the same bytes.
    if let frame = try? codec.decodeClientFrame(buffer) {
        let once = encoded(frame, codec.encode)
        guard let again = try? codec.decodeClientFrame(once) else { fatalError("re-encoded client frame does not decode: \(frame)") }
        if encoded(again, codec.encode) != once { fatalError("client frame encoding is not stable: \(frame)") }
    }
    if let frame = try? codec.decodeServerFrame(buffer) {
        let once = encoded(frame, codec.encode)
        guard let again = try? codec.decodeServerFrame(once) else { fatalError("re-encoded server frame does not decode: \(frame)") }
        if encoded(again, codec.encode) != once { fatalError("server frame encoding is not stable: \(frame)") }
    }
    _ = buffer.withUnsafeReadableBytes { JSONValidator.isValid($0) }
    return 0
}

@_cdecl("FuzzJSONFrames_main")
public func fuzzJSONFramesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzJSONFrames($0, $1) }
}

private func encoded<Frame>(_ frame: Frame, _ encode: (Frame, inout ByteBuffer) -> Void) -> ByteBuffer {
    var buffer = ByteBuffer()
    encode(frame, &buffer)
    return buffer
}
