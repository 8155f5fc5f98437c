import FuzzSupport
import NIOCore
import NIOEmbedded
import NIOWebSocket
@testable import RoostServer

/// libFuzzer entry point for the WebSocket frame path after the upgrade: the input is the byte stream a
/// client sends. NIO's `WebSocketFrameDecoder` splits it into frames (with the server's frame size limit)
/// and Roost's `WebSocketFrameProcessor` applies the RFC 6455 rules to each frame until it fails the
/// connection. A trap or a sanitizer report is a finding; a decoder error is a normal outcome.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish() }
    let decoder = ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 16))
    guard (try? channel.pipeline.syncOperations.addHandler(decoder)) != nil else { return 0 }
    // Feed in two pieces so that frames split across reads are exercised too.
    let cut = size == 0 ? 0 : Int(data[0]) % (size + 1)
    var processor = WebSocketFrameProcessor(maxMessageSize: 1 << 15)
    for range in [0..<cut, cut..<size] {
        let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data + range.lowerBound, count: range.count))
        guard (try? channel.writeInbound(buffer)) != nil else { return 0 }
        while let frame = try? channel.readInbound(as: WebSocketFrame.self) {
            switch processor.process(frame) {
            case .fail, .peerClosed: return 0
            case .none, .deliver, .pong: continue
            }
        }
    }
    return 0
}

@_cdecl("FuzzWebSocketFrames_main")
public func fuzzWebSocketFramesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzWebSocketFrames($0, $1) }
}
