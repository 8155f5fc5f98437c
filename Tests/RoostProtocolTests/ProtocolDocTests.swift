import NIOCore
import RoostProtocol
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Docs/protocol.md must be true to the code: every JSON frame shown in it decodes, and encodes back to
/// exactly the bytes shown.
@Suite("Docs/protocol.md examples")
struct ProtocolDocTests {
    /// Reads Docs/protocol.md next to the package (found from this file's path) without Foundation.
    static func protocolDoc() throws -> String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/RoostProtocolTests/<file>.swift
        let path = parts.joined(separator: "/") + "/Docs/protocol.md"
        let file = try #require(fopen(path, "r"), "cannot open \(path)")
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lines of fenced code blocks that are frames: `{"op":...}`, optionally after `-> ` or `<- `.
    static func exampleFrames() throws -> [(line: String, fromServer: Bool?)] {
        var frames: [(String, Bool?)] = []
        var inBlock = false
        for rawLine in try protocolDoc().split(separator: "\n") {
            var line = Substring(rawLine)
            while line.first == " " { line = line.dropFirst() }
            if line.hasPrefix("```") {
                inBlock.toggle()
                continue
            }
            guard inBlock else { continue }
            if line.hasPrefix("-> {\"op\"") {
                frames.append((String(line.dropFirst(3)), false))
            } else if line.hasPrefix("<- {\"op\"") {
                frames.append((String(line.dropFirst(3)), true))
            } else if line.hasPrefix("{\"op\"") {
                frames.append((String(line), nil))
            }
        }
        return frames
    }

    @Test func everyExampleDecodesAndReencodesByteForByte() throws {
        let frames = try Self.exampleFrames()
        #expect(frames.count > 30)
        let codec = JSONFrameCodec()
        for (line, fromServer) in frames {
            let buffer = ByteBuffer(string: line)
            var reencoded = ByteBuffer()
            if fromServer != true, let frame = try? codec.decodeClientFrame(buffer) {
                codec.encode(frame, into: &reencoded)
            } else if fromServer != false, let frame = try? codec.decodeServerFrame(buffer) {
                codec.encode(frame, into: &reencoded)
            } else {
                if fromServer == false, line.contains("\"id\":4"), line.contains("\"op\":\"publish\"") { continue }  // the walk-through's bad request
                Issue.record("does not decode: \(line)")
                continue
            }
            #expect(reencoded.text == line)
        }
    }
}
