#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FuzzSupport
import NIOCore
import RoostProtocol

/// libFuzzer entry point: one input is one WebSocket binary message in the binary encoding. Both directions are
/// decoded (the server decodes client frames, the client library server frames); whatever decodes must
/// encode to bytes that decode and encode to the same bytes again. Returning is success; a trap or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBinaryFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    let codec = WireEncoding.binary.codec
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
    return 0
}

@_cdecl("FuzzBinaryFrames_main")
public func fuzzBinaryFramesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    if let directory = getenv("ROOST_FUZZ_BINARY_SEEDS") {
        return writeBinarySeeds(from: (1..<Int(argc)).compactMap { argv[$0].map { String(cString: $0) } },
            to: String(cString: directory))
    }
    return runFuzzer(argc: argc, argv: argv) { fuzzBinaryFrames($0, $1) }
}

/// Seeds for this harness: the JSON seed files given, decoded and encoded again in the binary encoding
/// (only Roost's encoder writes that format, so the seeds are derived rather than written by hand).
private func writeBinarySeeds(from paths: [String], to directory: String) -> CInt {
    for path in paths {
        guard let input = fopen(path, "rb") else { return 1 }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let n = fread(&chunk, 1, chunk.count, input), n > 0 { bytes += chunk[0..<n] }
        fclose(input)
        var out = ByteBuffer()
        let json = WireEncoding.json.codec, binary = WireEncoding.binary.codec
        if let frame = try? json.decodeClientFrame(ByteBuffer(bytes: bytes)) {
            binary.encode(frame, into: &out)
        } else if let frame = try? json.decodeServerFrame(ByteBuffer(bytes: bytes)) {
            binary.encode(frame, into: &out)
        } else {
            continue
        }
        let name = directory + "/" + (path.split(separator: "/").last.map(String.init) ?? "seed") + ".bin"
        guard let output = fopen(name, "wb") else { return 1 }
        _ = out.withUnsafeReadableBytes { fwrite($0.baseAddress, 1, $0.count, output) }
        fclose(output)
    }
    return 0
}

private func encoded<Frame>(_ frame: Frame, _ encode: (Frame, inout ByteBuffer) -> Void) -> ByteBuffer {
    var buffer = ByteBuffer()
    encode(frame, &buffer)
    return buffer
}
