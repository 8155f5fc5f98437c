import NIOCore
import NIOWebSocket

/// Removes a client's mask from frame payloads, eight bytes at a time.
///
/// NIO's `WebSocketFrame.unmaskedData` copies the payload (copy-on-write of the shared read buffer) and then
/// XORs it one byte at a time with a modulo per byte; on a publish-heavy connection that was most of the frame
/// layer's CPU. This reads the masked bytes once and writes the unmasked ones once, into a buffer of their own
/// (payload slices of it may live on in the broker's tail cache, so it must not be the shared read buffer).
enum WebSocketUnmasking {
    /// The payload of `frame` without its mask (the payload as is when the frame is unmasked).
    static func payload(of frame: WebSocketFrame) -> ByteBuffer {
        guard let key = frame.maskKey else { return frame.data }
        // A mask runs over extension data and application data alike (we negotiate no extension, so this is 0).
        let phase = (frame.extensionData?.readableBytes ?? 0) % 4
        return unmasked(frame.data, key: key, phase: phase)
    }

    /// `data` XORed with `key` repeated, starting at byte `phase` (0...3) of the key.
    static func unmasked(_ data: ByteBuffer, key: WebSocketMaskingKey, phase: Int = 0) -> ByteBuffer {
        let count = data.readableBytes
        var output = ByteBufferAllocator().buffer(capacity: count)
        guard count > 0 else { return output }
        // The key as eight bytes in memory order from `phase`: loading them as one word keeps byte order right
        // on any endianness, because the payload is loaded the same way.
        let k = (key[phase], key[(phase + 1) % 4], key[(phase + 2) % 4], key[(phase + 3) % 4])
        let word = withUnsafeBytes(of: (k.0, k.1, k.2, k.3, k.0, k.1, k.2, k.3)) { $0.loadUnaligned(as: UInt64.self) }
        data.withUnsafeReadableBytes { source in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
                var index = 0
                while count - index >= 8 {
                    let masked = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    target.storeBytes(of: masked ^ word, toByteOffset: index, as: UInt64.self)
                    index += 8
                }
                withUnsafeBytes(of: k) { key in
                    while index < count {
                        target[index] = source[index] ^ key[index & 3]
                        index += 1
                    }
                }
                return count
            }
        }
        return output
    }
}
