/// Makes the dedup ids the client gives its publishes: a random 60-bit prefix per client (10 characters of
/// the base64url alphabet) followed by the request id in the same alphabet, and `.index` for the messages
/// after the first of a batch. Until a client has sent about a billion requests its ids are at most 15
/// UTF-8 bytes, which Swift stores inline in the `String` (no heap object): an id then costs no allocation
/// here, and none in the broker, which decodes it and stores it with the record (`perf`, session 3: the
/// former 20-byte `<base36>-<decimal>` ids cost a malloc and free on both sides per publish).
///
/// Two clients collide only if their 60-bit prefixes do (about 1 in 10^12 for a thousand clients on one
/// topic within the dedup window) and then only on equal request ids.
struct DedupIDGenerator: Sendable {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let prefixLength = 10

    private let prefix: UInt64

    init<Random: RandomNumberGenerator>(using random: inout Random) {
        prefix = random.next() >> 4
    }

    /// The id of message `index` of request `id` (`id` not negative).
    func id(request id: Int64, index: Int) -> String {
        let requestDigits = Self.digits(UInt64(id))
        let indexDigits = index == 0 ? 0 : 1 + Self.digits(UInt64(index))
        let count = Self.prefixLength + requestDigits + indexDigits
        return String(unsafeUninitializedCapacity: count) { bytes in
            Self.write(prefix, digits: Self.prefixLength, into: bytes, at: 0)
            Self.write(UInt64(id), digits: requestDigits, into: bytes, at: Self.prefixLength)
            if index != 0 {
                bytes[Self.prefixLength + requestDigits] = UInt8(ascii: ".")
                Self.write(UInt64(index), digits: indexDigits - 1, into: bytes, at: Self.prefixLength + requestDigits + 1)
            }
            return count
        }
    }

    /// Base-64 digits of `value` (at least one).
    private static func digits(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 5) / 6
    }

    /// `value` as `digits` base-64 digits, most significant first.
    private static func write(_ value: UInt64, digits: Int, into bytes: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var rest = value
        for position in stride(from: start + digits - 1, through: start, by: -1) {
            bytes[position] = alphabet[Int(rest & 63)]
            rest >>= 6
        }
    }
}
