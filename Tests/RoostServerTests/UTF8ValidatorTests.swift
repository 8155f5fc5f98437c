import Testing

@testable import RoostServer

@Suite struct UTF8ValidatorTests {
    private func isValid(_ bytes: [UInt8], splitAt split: Int? = nil) -> Bool {
        var validator = UTF8Validator()
        let cut = split ?? bytes.count
        let ok = bytes[..<cut].withUnsafeBytes { validator.feed($0) } && bytes[cut...].withUnsafeBytes { validator.feed($0) }
        return ok && validator.isComplete
    }

    @Test func acceptsValidText() {
        #expect(self.isValid(Array("plain ascii".utf8)))
        #expect(self.isValid(Array("κόσμε €𝄞 ✓".utf8)))
        #expect(self.isValid([0xF4, 0x8F, 0xBF, 0xBF]))  // U+10FFFF
        #expect(self.isValid(Array(String(repeating: "ascii run then é, ", count: 20).utf8)))
    }

    @Test func rejectsKnownBadSequences() {
        #expect(!self.isValid([0xC0, 0x80]))  // overlong NUL
        #expect(!self.isValid([0xE0, 0x80, 0x80]))  // overlong
        #expect(!self.isValid([0xED, 0xA0, 0x80]))  // surrogate
        #expect(!self.isValid([0xF4, 0x90, 0x80, 0x80]))  // above U+10FFFF
        #expect(!self.isValid([0x80]))  // lone continuation
        #expect(!self.isValid([0xE2, 0x82]))  // truncated
        #expect(!self.isValid([0xFF]))
        #expect(!self.isValid(Array("sixteen ascii by".utf8) + [0xC3]))  // truncated after a fast-path run
        #expect(!self.isValid([0xE2] + Array("abcdefgh".utf8)))  // ASCII where a continuation is due
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytesAtEverySplit() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...24, using: &generator)
            // Bias towards bytes that form multi-byte sequences, where the bugs are; sometimes mostly ASCII, so
            // the eight-byte fast path runs.
            let mostlyASCII = Bool.random(using: &generator)
            let bytes = (0..<count).map { _ in
                mostlyASCII && UInt8.random(in: 0...9, using: &generator) != 0
                    ? UInt8.random(in: 0x20...0x7E, using: &generator)
                    : UInt8.random(in: 0x70...0xF5, using: &generator)
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            for split in 0...count {
                #expect(self.isValid(bytes, splitAt: split) == expected, "bytes \(bytes) split \(split)")
            }
        }
    }
}
