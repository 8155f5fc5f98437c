import NIOCore

/// Builds client frames byte by byte (including invalid ones) and parses server frames.
enum TestFrames {
    struct Frame: Equatable {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]

        var text: String { String(decoding: self.payload, as: UTF8.self) }
        var closeCode: UInt16? {
            self.payload.count >= 2 ? UInt16(self.payload[0]) << 8 | UInt16(self.payload[1]) : nil
        }
    }

    static let maskKey: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

    static func frame(
        opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0
    ) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case 0..<126:
            bytes.append(maskBit | UInt8(payload.count))
        case 126...0xFFFF:
            bytes.append(maskBit | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        guard masked else { return bytes + payload }
        bytes += self.maskKey
        bytes += payload.enumerated().map { $0.element ^ self.maskKey[$0.offset % 4] }
        return bytes
    }

    static func text(_ string: String, fin: Bool = true) -> [UInt8] {
        self.frame(opcode: 0x1, Array(string.utf8), fin: fin)
    }

    static func close(code: UInt16, reason: String = "") -> [UInt8] {
        self.frame(opcode: 0x8, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
    }

    static func upgradeRequest(
        path: String = "/v1/ws", key: String? = "dGhlIHNhbXBsZSBub25jZQ==", version: String = "13",
        protocols: [String] = [], headers: [String] = []
    ) -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        for header in headers { request += header + "\r\n" }
        if let key { request += "Sec-WebSocket-Key: \(key)\r\n" }
        request += "Sec-WebSocket-Version: \(version)\r\n"
        if !protocols.isEmpty { request += "Sec-WebSocket-Protocol: \(protocols.joined(separator: ", "))\r\n" }
        return request + "\r\n"
    }

    /// Takes one complete unmasked server frame off the front of `buffer`, or nil when it is not all there yet.
    static func parse(_ buffer: inout ByteBuffer) -> Frame? {
        var probe = buffer
        guard let first = probe.readInteger(as: UInt8.self), let second = probe.readInteger(as: UInt8.self) else {
            return nil
        }
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = probe.readInteger(as: UInt16.self) else { return nil }
            length = Int(extended)
        } else if length == 127 {
            guard let extended = probe.readInteger(as: UInt64.self) else { return nil }
            length = Int(extended)
        }
        guard let payload = probe.readBytes(length: length) else { return nil }
        buffer = probe
        return Frame(fin: first & 0x80 != 0, opcode: first & 0x0F, payload: payload)
    }
}
