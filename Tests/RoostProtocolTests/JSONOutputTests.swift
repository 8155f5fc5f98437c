import NIOCore
import Testing

@testable import RoostProtocol

@Suite struct JSONOutputTests {
    /// Decimal integers are written as Swift prints them, for every digit count and both extremes.
    @Test func decimalsMatchTheirDescription() {
        var signed: [Int64] = [0, 1, -1, 9, 10, 99, 100, 101, 999, 1_000, 1_763_700_000_000, .max, .min, .min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            signed += [power - 1, power, power + 1, -power]
        }
        for value in signed {
            var buffer = ByteBuffer()
            JSONOutput.writeDecimal(prefix: ",\"n\":", value, into: &buffer)
            #expect(String(buffer: buffer) == ",\"n\":\(value)")
        }
        for value: UInt64 in [0, 7, 42, 100, .max, .max - 1, 10_000_000_000_000_000_000] {
            var buffer = ByteBuffer()
            JSONOutput.writeDecimal(value, into: &buffer)
            #expect(String(buffer: buffer) == "\(value)")
        }
    }
}
