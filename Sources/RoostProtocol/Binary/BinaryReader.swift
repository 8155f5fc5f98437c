import NIOCore

/// Bounds-checked reads of the binary encoding's primitives from untrusted bytes. Every read checks
/// what is left first, and a declared length or count is checked against the bytes actually present
/// before anything is allocated, so a huge length costs nothing. Any failure is `malformed_frame`.
struct BinaryReader {
    var buffer: ByteBuffer

    mutating func byte(_ field: String) throws(ProtocolError) -> UInt8 {
        guard let byte = buffer.readInteger(as: UInt8.self) else { throw truncated(field) }
        return byte
    }

    /// Unsigned LEB128, at most 10 bytes, no bits beyond 64.
    mutating func varint(_ field: String) throws(ProtocolError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte(field)
            if shift == 63 && byte > 1 {
                throw ProtocolError(code: .malformedFrame, field: field, message: "varint '\(field)' overflows 64 bits")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func offset(_ field: String) throws(ProtocolError) -> Int64 {
        let value = try varint(field)
        guard value <= UInt64(Int64.max) else {
            throw ProtocolError(code: .invalidField, field: field, message: "field '\(field)' must be at most 2^63-1")
        }
        return Int64(value)
    }

    /// A signed value carried as the varint of its two's-complement bit pattern.
    mutating func signed(_ field: String) throws(ProtocolError) -> Int64 {
        Int64(bitPattern: try varint(field))
    }

    mutating func uint32(_ field: String) throws(ProtocolError) -> UInt32 {
        let value = try varint(field)
        guard let narrow = UInt32(exactly: value) else {
            throw ProtocolError(code: .invalidField, field: field, message: "field '\(field)' must be at most 2^32-1")
        }
        return narrow
    }

    /// A varint length, then that many bytes, as a slice of the frame.
    mutating func bytes(_ field: String) throws(ProtocolError) -> ByteBuffer {
        let length = try varint(field)
        guard length <= UInt64(buffer.readableBytes), let slice = buffer.readSlice(length: Int(length)) else {
            throw ProtocolError(code: .malformedFrame, field: field,
                                message: "'\(field)' declares \(length) bytes, \(buffer.readableBytes) are left")
        }
        return slice
    }

    /// Length-prefixed bytes that must be well-formed UTF-8 (read in place, without making a slice).
    mutating func string(_ field: String) throws(ProtocolError) -> String {
        let length = try varint(field)
        guard length <= UInt64(buffer.readableBytes) else {
            throw ProtocolError(code: .malformedFrame, field: field,
                                message: "'\(field)' declares \(length) bytes, \(buffer.readableBytes) are left")
        }
        let count = Int(length)
        let valid = buffer.withUnsafeReadableBytes { JSONScanner.isValidUTF8(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
        guard valid, let string = buffer.readString(length: count) else { throw .invalid(field, "must be UTF-8") }
        return string
    }

    /// A length-prefixed JSON number or string token.
    mutating func requestID() throws(ProtocolError) -> RequestID {
        guard let id = RequestID(jsonToken: try string("id")) else {
            throw .invalid("id", "must be a JSON number or string token")
        }
        return id
    }

    /// A varint count, then that many name/value string pairs.
    mutating func headers() throws(ProtocolError) -> [Header] {
        let count = try varint("headers")
        // Each header takes at least two bytes (two empty strings), so a larger count cannot be real.
        guard count <= UInt64(buffer.readableBytes / 2) else {
            throw ProtocolError(code: .malformedFrame, field: "headers", message: "header count \(count) exceeds the frame")
        }
        var headers: [Header] = []
        headers.reserveCapacity(Int(count))
        for _ in 0..<count {
            headers.append(Header(name: try string("headers"), value: try string("headers")))
        }
        return headers
    }

    /// Reads the flags byte, rejecting bits outside `allowed`.
    mutating func flags(allowed: UInt8) throws(ProtocolError) -> UInt8 {
        let flags = try byte("flags")
        guard flags & ~allowed == 0 else {
            throw ProtocolError(code: .malformedFrame, field: "flags",
                                message: "unknown flag bits 0x\(String(flags & ~allowed, radix: 16))")
        }
        return flags
    }

    /// The frame must end exactly here.
    func finish() throws(ProtocolError) {
        guard buffer.readableBytes == 0 else {
            throw ProtocolError.malformed("\(buffer.readableBytes) trailing bytes after the frame")
        }
    }

    private func truncated(_ field: String) -> ProtocolError {
        ProtocolError(code: .malformedFrame, field: field, message: "frame ends inside '\(field)'")
    }
}
