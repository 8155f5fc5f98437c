/// Incremental UTF-8 validation (RFC 3629), fed one fragment at a time so an invalid text message fails as
/// early as its first bad byte, even when the sequence is split across frames.
struct UTF8Validator {
    private var remaining = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// Whether the bytes seen so far end on a character boundary.
    var isComplete: Bool { self.remaining == 0 }

    /// Feeds more bytes; returns false at the first byte that cannot be part of valid UTF-8.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            // Protocol messages are mostly ASCII: skip eight ASCII bytes at a time between sequences.
            if self.remaining == 0, bytes.endIndex - index >= 8,
                bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
                continue
            }
            let byte = bytes[index]
            index += 1
            if self.remaining == 0 {
                if byte < 0x80 { continue }
                switch byte {
                case 0xC2...0xDF: self.remaining = 1
                case 0xE0: self.remaining = 2; self.lower = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: self.remaining = 2
                case 0xED: self.remaining = 2; self.upper = 0x9F  // no UTF-16 surrogates
                case 0xF0: self.remaining = 3; self.lower = 0x90
                case 0xF1...0xF3: self.remaining = 3
                case 0xF4: self.remaining = 3; self.upper = 0x8F  // nothing above U+10FFFF
                default: return false
                }
            } else {
                guard byte >= self.lower, byte <= self.upper else { return false }
                self.lower = 0x80
                self.upper = 0xBF
                self.remaining -= 1
            }
        }
        return true
    }
}
