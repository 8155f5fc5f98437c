import NIOCore

/// Typed access to the members of one scanned JSON object, with precise errors: `missing_field` when a
/// required field is absent, `invalid_field` (naming the field) when it has the wrong type or range.
///
/// A member whose value is `null` counts as absent. When a name repeats, the last one wins, as in
/// JavaScript's `JSON.parse`. Members this version does not know are ignored.
struct JSONFields {
    let scanner: JSONScanner
    let members: ArraySlice<JSONScanner.Member>
    /// The frame, for slicing `data` out of it without copying.
    let frame: ByteBuffer
    /// Where these fields are, for field names in errors.
    let path: FieldPath

    typealias Value = JSONScanner.Value

    /// Where an object lies in the frame: the top level, a member (`from`) or an array element (`messages[3]`).
    /// Field names in errors are made from it only when an error is thrown, not for every batch element.
    struct FieldPath {
        var parent: StaticString
        var index: Int?

        static let top = FieldPath(parent: "")

        /// The field's name as errors show it, e.g. `messages[3].data`.
        func name(_ field: StaticString) -> String {
            if parent.utf8CodeUnitCount == 0 { return field.description }
            if let index { return "\(parent)[\(index)].\(field)" }
            return "\(parent).\(field)"
        }
    }

    func name(_ field: StaticString) -> String {
        path.name(field)
    }

    /// The value of `field`, unless absent or `null`.
    func find(_ field: StaticString) -> Value? {
        findIncludingNull(field).flatMap { $0.kind == .null ? nil : $0 }
    }

    /// The value of `field`, `null` included (for `data`, where `null` is a payload).
    func findIncludingNull(_ field: StaticString) -> Value? {
        for member in members.reversed() where scanner.stringEquals(member.key, field) {
            return member.value
        }
        return nil
    }

    func string(_ field: StaticString) throws(ProtocolError) -> String? {
        try string(field, find(field))
    }

    /// `string(_:)` with the member already found.
    func string(_ field: StaticString, _ value: Value?) throws(ProtocolError) -> String? {
        guard let value else { return nil }
        guard value.kind == .string else { throw .invalid(name(field), "must be a string") }
        return scanner.decodeString(value)
    }

    func requiredString(_ field: StaticString) throws(ProtocolError) -> String {
        guard let string = try string(field) else { throw .missing(name(field)) }
        return string
    }

    func bool(_ field: StaticString) throws(ProtocolError) -> Bool? {
        guard let value = find(field) else { return nil }
        switch value.kind {
        case .true: return true
        case .false: return false
        default: throw .invalid(name(field), "must be true or false")
        }
    }

    /// An integer field in `range`; fractions and exponents are rejected, not rounded.
    func integer(_ field: StaticString, in range: ClosedRange<Int64>) throws(ProtocolError) -> Int64? {
        guard let value = find(field) else { return nil }
        guard value.kind == .number, let number = parseInteger(value), range.contains(number) else {
            throw .invalid(name(field), "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func offset(_ field: StaticString) throws(ProtocolError) -> Int64? {
        try integer(field, in: 0...Int64.max)
    }

    func requiredOffset(_ field: StaticString) throws(ProtocolError) -> Int64 {
        guard let value = try offset(field) else { throw .missing(name(field)) }
        return value
    }

    func uint32(_ field: StaticString) throws(ProtocolError) -> UInt32? {
        try integer(field, in: 0...Int64(UInt32.max)).map { UInt32($0) }
    }

    func uint64(_ field: StaticString) throws(ProtocolError) -> UInt64? {
        try integer(field, in: 0...Int64.max).map { UInt64($0) }
    }

    /// Digits with an optional minus sign, no overflow.
    private func parseInteger(_ value: Value) -> Int64? {
        var index = value.start
        let negative = scanner.bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < value.end else { return nil }
        var magnitude: UInt64 = 0
        while index < value.end {
            let byte = scanner.bytes[index]
            guard JSONScanner.isDigit(byte) else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// `id`: a JSON number or string token, kept verbatim.
    func requestID() throws(ProtocolError) -> RequestID? {
        guard let value = find("id") else { return nil }
        guard value.kind == .number || value.kind == .string else {
            throw .invalid(name("id"), "must be a number or a string")
        }
        return RequestID(validatedToken: String(decoding: raw(value), as: UTF8.self))
    }

    func raw(_ value: Value) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: scanner.bytes[value.start..<value.end])
    }

    /// Bytes given either as a UTF-8 string in `field` or as base64 in `b64Field`; both present is an error.
    func bytes(_ field: StaticString, orBase64 b64Field: StaticString) throws(ProtocolError) -> ByteBuffer? {
        try bytes(field, find(field), orBase64: b64Field, find(b64Field))
    }

    /// `bytes(_:orBase64:)` with both members already found.
    func bytes(
        _ field: StaticString, _ plain: Value?, orBase64 b64Field: StaticString, _ encoded: Value?
    ) throws(ProtocolError) -> ByteBuffer? {
        if plain != nil, encoded != nil {
            throw ProtocolError(code: .invalidField, field: name(field),
                                message: "give only one of '\(name(field))' and '\(name(b64Field))'")
        }
        if let encoded {
            return try base64(encoded, field: b64Field)
        }
        guard let plain else { return nil }
        guard plain.kind == .string else { throw .invalid(name(field), "must be a string") }
        var text = scanner.decodeString(plain)
        return text.withUTF8 { ByteBuffer(bytes: $0) }
    }

    private func base64(_ value: Value, field: StaticString) throws(ProtocolError) -> ByteBuffer {
        guard value.kind == .string else { throw .invalid(name(field), "must be a base64 string") }
        let decoded: ByteBuffer?
        if value.escaped {
            var text = scanner.decodeString(value)
            decoded = text.withUTF8 { Base64.decode(UnsafeRawBufferPointer($0)) }
        } else {
            decoded = Base64.decode(UnsafeRawBufferPointer(rebasing: scanner.bytes[(value.start + 1)..<(value.end - 1)]))
        }
        guard let decoded else { throw .invalid(name(field), "is not valid base64") }
        return decoded
    }

    /// The payload: `data` (its JSON text, sliced from the frame) or `data_b64`; exactly one is required.
    func payload() throws(ProtocolError) -> ByteBuffer {
        try payload(data: findIncludingNull("data"), base64: find("data_b64"))
    }

    /// `payload()` with `data` (`null` included) and `data_b64` already found.
    func payload(data: Value?, base64 encoded: Value?) throws(ProtocolError) -> ByteBuffer {
        switch (data, encoded) {
        case (.some(let data), nil):
            guard let slice = frame.getSlice(at: frame.readerIndex + data.start, length: data.end - data.start) else {
                throw ProtocolError(code: .internal, field: name("data"))
            }
            return slice
        case (nil, .some(let encoded)):
            return try base64(encoded, field: "data_b64")
        case (nil, nil):
            throw ProtocolError(code: .missingField, field: name("data"),
                                message: "missing field '\(name("data"))' (or '\(name("data_b64"))')")
        case (.some, .some):
            throw ProtocolError(code: .invalidField, field: name("data"),
                                message: "give only one of '\(name("data"))' and '\(name("data_b64"))'")
        }
    }

    /// `headers`: an object of string values, in order.
    func headers() throws(ProtocolError) -> [Header] {
        try headers(find("headers"))
    }

    /// `headers()` with the member already found.
    func headers(_ value: Value?) throws(ProtocolError) -> [Header] {
        guard let value else { return [] }
        guard value.kind == .object else { throw .invalid(name("headers"), "must be an object of strings") }
        var headers: [Header] = []
        for member in scanner.members(of: value) {
            guard member.value.kind == .string else {
                throw .invalid(name("headers"), "must be an object of strings")
            }
            headers.append(Header(name: scanner.decodeString(member.key), value: scanner.decodeString(member.value)))
        }
        return headers
    }

    /// The object in `field`, as fields of its own.
    func object(_ value: Value, path: FieldPath) -> JSONFields {
        JSONFields(scanner: scanner, members: scanner.members(of: value)[...], frame: frame, path: path)
    }

    /// Element `index` of the array `elements` was walked from, as fields of its own (`messages[index]`).
    func element(_ index: Int, of elements: ObjectElements, in parent: StaticString) -> JSONFields {
        JSONFields(scanner: scanner, members: elements.members(of: index), frame: frame,
                   path: FieldPath(parent: parent, index: index))
    }
}
