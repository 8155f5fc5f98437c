import NIOCore

// Field writers shared by the client and server encoders. Each takes the literal `,"name":` (one static
// write) and writes the value after it: the `op` field always comes first, so every other field follows
// a comma.
extension JSONFrameCodec {
    func writeID(_ id: RequestID?, into buffer: inout ByteBuffer) {
        guard let id else { return }
        var token = id.jsonToken
        token.withUTF8 { JSONOutput.writeRaw(prefix: ",\"id\":", UnsafeRawBufferPointer($0), suffix: "", into: &buffer) }
    }

    func writeString(_ name: StaticString, _ value: String, into buffer: inout ByteBuffer) {
        JSONOutput.writeQuoted(prefix: name, value, suffix: "", into: &buffer)
    }

    func writeInteger(_ name: StaticString, _ value: Int64, into buffer: inout ByteBuffer) {
        JSONOutput.writeDecimal(prefix: name, value, into: &buffer)
    }

    func writeInteger(_ name: StaticString, _ value: UInt64, into buffer: inout ByteBuffer) {
        JSONOutput.writeDecimal(prefix: name, value, into: &buffer)
    }

    /// Bytes as a JSON string when they are UTF-8, else as base64 under `b64Name`.
    func writeBytes(_ name: StaticString, orBase64 b64Name: StaticString, _ value: ByteBuffer, into buffer: inout ByteBuffer) {
        value.withUnsafeReadableBytes { bytes in
            if JSONScanner.isValidUTF8(bytes) {
                JSONOutput.writeQuoted(prefix: name, bytes, suffix: "", into: &buffer)
            } else {
                JSONOutput.writeQuotedBase64(prefix: b64Name, bytes, suffix: "", into: &buffer)
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
    /// `suffix` (the object's closing brace, where the caller has one) goes into the same write.
    func writePayload(_ payload: ByteBuffer, suffix: StaticString = "", into buffer: inout ByteBuffer) {
        payload.withUnsafeReadableBytes { bytes in
            if JSONValidator.isValid(bytes, maxDepth: maxDepth - 3) {
                JSONOutput.writeRaw(prefix: ",\"data\":", bytes, suffix: suffix, into: &buffer)
            } else {
                JSONOutput.writeQuotedBase64(prefix: ",\"data_b64\":", bytes, suffix: suffix, into: &buffer)
            }
        }
    }
}
