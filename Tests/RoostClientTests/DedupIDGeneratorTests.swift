import Testing

@testable import RoostClient

/// The client's dedup ids: short enough to live inline in a `String`, distinct per request and message.
struct DedupIDGeneratorTests {
    private struct Fixed: RandomNumberGenerator {
        let value: UInt64
        mutating func next() -> UInt64 { value }
    }

    @Test func idsStayWithinFifteenBytesForABillionRequests() {
        var random = SystemRandomNumberGenerator()
        let generator = DedupIDGenerator(using: &random)
        let requests: [Int64] = [0, 1, 63, 64, 4_095, 1_000_000, (1 << 30) - 1]
        for request in requests {
            #expect(generator.id(request: request, index: 0).utf8.count <= 15, "request \(request)")
        }
        #expect(generator.id(request: 1 << 30, index: 0).utf8.count == 16, "longer ids still work")
        #expect(generator.id(request: 5, index: 7).utf8.count <= 15)
    }

    @Test func idsAreDistinctAcrossRequestsAndBatchIndexes() {
        var random = SystemRandomNumberGenerator()
        let generator = DedupIDGenerator(using: &random)
        var seen = Set<String>()
        for request in Int64(0)..<2_000 {
            for index in 0..<3 { seen.insert(generator.id(request: request, index: index)) }
        }
        #expect(seen.count == 6_000)
    }

    @Test func thePrefixIsTheClientsRandomBitsInBase64URL() {
        var zero = Fixed(value: 0)
        #expect(DedupIDGenerator(using: &zero).id(request: 0, index: 0) == "AAAAAAAAAAA")
        var ones = Fixed(value: .max)
        #expect(DedupIDGenerator(using: &ones).id(request: 65, index: 2) == "__________BB.C")
        var zero2 = Fixed(value: 0)
        var ones2 = Fixed(value: .max)
        #expect(DedupIDGenerator(using: &zero2).id(request: 9, index: 0) != DedupIDGenerator(using: &ones2).id(request: 9, index: 0))
    }
}
