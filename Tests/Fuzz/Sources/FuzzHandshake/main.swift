import FuzzSupport
import NIOCore
import NIOEmbedded
@testable import RoostServer

/// libFuzzer entry point for the HTTP/WebSocket handshake path: the input is the byte stream a client sends on
/// a fresh connection (request line, headers, body, and whatever follows an upgrade). It runs through the
/// server's real connection pipeline (`RoostServer.initialize`: NIO's HTTP decoder, Roost's handshake checks,
/// security handler, router, upgrader and, after an upgrade, the WebSocket connection handler) on an
/// `EmbeddedChannel`, fed in up to three pieces. A trap or a sanitizer report is a finding; error responses,
/// decoder errors and closed connections are normal outcomes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHandshake(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    HandshakeDriver.shared.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

@_cdecl("FuzzHandshake_main")
public func fuzzHandshakeMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzHandshake($0, $1) }
}
