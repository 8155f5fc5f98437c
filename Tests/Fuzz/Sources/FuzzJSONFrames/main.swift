import FuzzSupport
import NIOCore
import RoostProtocol

/// libFuzzer entry point: one input is one WebSocket text message in the JSON encoding. Both directions are
/// decoded (the server decodes client frames, the client library server frames); whatever decodes is encoded
/// again and must decode to the same frame. Returning is success; a trap or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    let codec = WireEncoding.json.codec
    if let frame = try? codec.decodeClientFrame(buffer) {
        var out = ByteBuffer()
        codec.encode(frame, into: &out)
        if (try? codec.decodeClientFrame(out)) != frame { fatalError("client frame does not round-trip: \(frame)") }
    }
    if let frame = try? codec.decodeServerFrame(buffer) {
        var out = ByteBuffer()
        codec.encode(frame, into: &out)
        if (try? codec.decodeServerFrame(out)) != frame { fatalError("server frame does not round-trip: \(frame)") }
    }
    _ = buffer.withUnsafeReadableBytes { JSONValidator.isValid($0) }
    return 0
}

@_cdecl("FuzzJSONFrames_main")
public func fuzzJSONFramesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzJSONFrames($0, $1) }
}
