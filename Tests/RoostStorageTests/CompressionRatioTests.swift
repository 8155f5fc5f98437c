import NIOCore
import RoostStorage
import RoostTesting
import Testing

@Suite struct CompressionRatioTests {
    /// 10,000 order events, deterministic (a fixed-seed linear congruential generator).
    static func orderEvents() -> [String] {
        var seed: UInt64 = 0x5EED
        func next(_ bound: UInt64) -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (seed >> 33) % bound
        }
        let currencies = ["EUR", "USD", "GBP", "CHF"]
        let channels = ["web", "ios", "android", "pos"]
        return (0..<10_000).map { i in
            let amount = "\(next(50_000) + 100)".paddedCents
            return """
            {"type":"order.created","order_id":"ord-\(100_000 + i)","customer":"cus-\(10_000 + next(2_000))",\
            "amount":\(amount),"currency":"\(currencies[Int(next(4))])","items":\(next(9) + 1),\
            "channel":"\(channels[Int(next(4))])","created_at":"2026-11-21T\(10 + next(10)):\(10 + next(50)):\(10 + next(50))Z"}
            """
        }
    }

    @Test func lz4TakesAtLeastTwoAndAHalfTimesLessSpace() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let events = Self.orderEvents()
            var sizes: [CompressionCodec: Int64] = [:]
            for codec in CompressionCodec.allCases {
                let log = try store.createLog(named: "orders-\(codec.rawValue)", configuration: testConfiguration(codec))
                for start in stride(from: 0, to: events.count, by: 500) {
                    _ = try await log.append(events[start..<(start + 500)].map { record($0, key: "k") })
                }
                #expect(try readAll(log).map { $0.value.string } == events)
                sizes[codec] = log.sizeInBytes
            }
            let ratio = Double(sizes[.none]!) / Double(sizes[.lz4]!)
            #expect(ratio >= 2.5, "ratio \(ratio): \(sizes)")
            try store.close()
        }
    }
}

extension String {
    /// "12345" -> "123.45".
    fileprivate var paddedCents: String { String(dropLast(2)) + "." + String(suffix(2)) }
}
