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

        var bytes = framed.bytes
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
        #expect(first.bytes.getInteger(at: first.bytes.readerIndex, as: UInt8.self) == 0x81)
        #expect(Array(first.bytes.readableBytesView) == [0x81, 11] + Array("{\"op\":\"ok\"}".utf8), "unchanged by later frames")
        #expect(Array(second.bytes.readableBytesView) == [0x81, 2] + Array("{}".utf8))
    }
}
