import NIOCore

// Field writers shared by the client and server encoders. Each writes `,"name":value`: the `op` field
// always comes first, so every other field follows a comma.
extension JSONFrameCodec {
    func writeID(_ id: RequestID?, into buffer: inout ByteBuffer) {
        guard let id else { return }
        buffer.writeStaticString(",\"id\":")
        buffer.writeString(id.jsonToken)
    }

    func writeString(_ name: StaticString, _ value: String, into buffer: inout ByteBuffer) {
        JSONOutput.writeField(name, into: &buffer)
        JSONOutput.writeQuoted(value, into: &buffer)
    }

    func writeInteger(_ name: StaticString, _ value: Int64, into buffer: inout ByteBuffer) {
        JSONOutput.writeField(name, into: &buffer)
        JSONOutput.writeDecimal(value, into: &buffer)
    }

    func writeInteger(_ name: StaticString, _ value: UInt64, into buffer: inout ByteBuffer) {
        JSONOutput.writeField(name, into: &buffer)
        JSONOutput.writeDecimal(value, into: &buffer)
    }

    /// Bytes as a JSON string when they are UTF-8, else as base64 under `b64Name`.
    func writeBytes(_ name: StaticString, orBase64 b64Name: StaticString, _ value: ByteBuffer, into buffer: inout ByteBuffer) {
        value.withUnsafeReadableBytes { bytes in
            if JSONScanner.isValidUTF8(bytes) {
                JSONOutput.writeField(name, into: &buffer)
                JSONOutput.writeQuoted(bytes, into: &buffer)
            } else {
                JSONOutput.writeField(b64Name, into: &buffer)
                buffer.writeInteger(UInt8(ascii: "\""))
                Base64.encode(bytes, into: &buffer)
                buffer.writeInteger(UInt8(ascii: "\""))
            }
        }
    }

    func writeHeaders(_ headers: [Header], into buffer: inout ByteBuffer) {
        guard !headers.isEmpty else { return }
        buffer.writeStaticString(",\"headers\":{")
        for (index, header) in headers.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            JSONOutput.writeQuoted(header.name, into: &buffer)
            buffer.writeInteger(UInt8(ascii: ":"))
            JSONOutput.writeQuoted(header.value, into: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// `"data":<bytes as they are>` when the payload is valid JSON, else `"data_b64":"..."`. The depth
    /// allowance leaves room for the frame, the `messages` array and its element, so the frame decodes
    /// under the same limit.
    func writePayload(_ payload: ByteBuffer, into buffer: inout ByteBuffer) {
        payload.withUnsafeReadableBytes { bytes in
            if JSONValidator.isValid(bytes, maxDepth: maxDepth - 3) {
                buffer.writeStaticString(",\"data\":")
                buffer.writeBytes(bytes)
            } else {
                buffer.writeStaticString(",\"data_b64\":\"")
                Base64.encode(bytes, into: &buffer)
                buffer.writeInteger(UInt8(ascii: "\""))
            }
        }
    }
}
