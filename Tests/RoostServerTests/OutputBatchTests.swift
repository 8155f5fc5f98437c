import NIOCore
import NIOWebSocket
import Testing

@testable import RoostServer

@Suite struct OutputBatchTests {
    /// Frames of every header size (2, 4 and 10 bytes), back to back in one buffer, decode to the payloads written.
    @Test func framesOfEveryHeaderSizeDecodeToTheirPayloads() throws {
        var batch = OutputBatch(allocator: ByteBufferAllocator(), opcode: .binary)
        let sizes = [0, 5, 125, 126, 300, 65_535, 65_536, 70_000, 7]
        for (index, size) in sizes.enumerated() {
            batch.frame { $0.writeRepeatingByte(UInt8(index + 1), count: size) }
        }
        #expect(!batch.isEmpty)
        let taken = batch.take()
        let framed = try #require(taken)
        #expect(batch.isEmpty)
        let again = batch.take()
        #expect(again == nil)
        #expect(framed.frames == sizes.count)
        #expect(framed.payloadBytes == sizes.reduce(0, +))

        var bytes = framed.joined
        for (index, size) in sizes.enumerated() {
            let firstByte = bytes.readInteger(as: UInt8.self)
            let first = try #require(firstByte)
            #expect(first == 0x80 | UInt8(webSocketOpcode: .binary), "FIN and binary opcode")
            let shortByte = bytes.readInteger(as: UInt8.self)
            let short = try #require(shortByte)
            #expect(short & 0x80 == 0, "server frames are unmasked")
            let length: Int
            switch short {
            case 126: length = Int(bytes.readInteger(as: UInt16.self) ?? 0)
            case 127: length = Int(bytes.readInteger(as: UInt64.self) ?? 0)
            default: length = Int(short)
            }
            #expect(length == size)
            #expect(size < 126 ? short < 126 : size <= 65_535 ? short == 126 : short == 127, "shortest length form")
            let read = bytes.readBytes(length: length)
            let payload = try #require(read)
            #expect(payload.allSatisfy { $0 == UInt8(index + 1) })
        }
        #expect(bytes.readableBytes == 0)
    }

    @Test func textOpcodeAndAFreshBufferAfterTake() throws {
        var batch = OutputBatch(allocator: ByteBufferAllocator(), opcode: .text)
        batch.frame { $0.writeString("{\"op\":\"ok\"}") }
        let firstTaken = batch.take()
        let first = try #require(firstTaken)
        batch.frame { $0.writeString("{}") }
        let secondTaken = batch.take()
        let second = try #require(secondTaken)
        #expect(first.joined.getInteger(at: first.joined.readerIndex, as: UInt8.self) == 0x81)
        #expect(Array(first.joined.readableBytesView) == [0x81, 11] + Array("{\"op\":\"ok\"}".utf8), "unchanged by later frames")
        #expect(Array(second.joined.readableBytesView) == [0x81, 2] + Array("{}".utf8))
    }

    /// Shared frames between ordinary ones: every frame decodes to its payload (prefix, parts, suffix), the shared
    /// parts are handed over as they are (same storage, not copied), and the own bytes are few slices of one buffer.
    @Test func sharedFramesKeepTheirPartsAndOrder() throws {
        var batch = OutputBatch(allocator: ByteBufferAllocator(), opcode: .text)
        let shared = ByteBuffer(repeating: UInt8(ascii: "x"), count: 70_000)
        let small = shared.getSlice(at: 10, length: 50) ?? ByteBuffer()
        batch.frame { $0.writeString("a") }
        batch.sharedFrame(prefix: { $0.writeString("<") }, parts: [small, small], suffix: { $0.writeString(">") })
        batch.sharedFrame(prefix: { $0.writeString("[") }, parts: [shared], suffix: { $0.writeString("]") })
        batch.frame { $0.writeString("b") }
        let expectedCount = 3 + (2 + 102) + (10 + 70_002) + 3
        #expect(batch.byteCount == expectedCount)
        let taken = batch.take()
        let framed = try #require(taken)
        #expect(framed.frames == 4)
        #expect(framed.payloadBytes == 1 + 102 + 70_002 + 1)
        #expect(framed.pieces.count == 7, "a | header< | small | small | >header[ | shared | ]b")
        let sharedPiece = framed.pieces.first { $0.readableBytes == 70_000 }
        let storage: (ByteBuffer) -> Int = { $0.withVeryUnsafeBytes { Int(bitPattern: $0.baseAddress) } }
        #expect(sharedPiece.map(storage) == storage(shared), "the shared buffer itself, not a copy")

        var bytes = framed.joined
        #expect(bytes.readableBytes == expectedCount)
        let payloads = [
            "a", "<" + String(repeating: "x", count: 100) + ">", "[" + String(repeating: "x", count: 70_000) + "]", "b",
        ]
        for payload in payloads {
            #expect(bytes.readInteger(as: UInt8.self) == 0x81)
            let shortByte = bytes.readInteger(as: UInt8.self)
            let short = try #require(shortByte)
            let length: Int
            switch short {
            case 126: length = Int(bytes.readInteger(as: UInt16.self) ?? 0)
            case 127: length = Int(bytes.readInteger(as: UInt64.self) ?? 0)
            default: length = Int(short)
            }
            #expect(length == payload.utf8.count)
            #expect(bytes.readString(length: length) == payload)
        }
        #expect(bytes.readableBytes == 0)
    }
}

extension FramedBytes {
    /// The pieces one after the other, as the socket sends them.
    var joined: ByteBuffer {
        var all = ByteBuffer()
        for piece in pieces { all.writeImmutableBuffer(piece) }
        return all
    }
}
