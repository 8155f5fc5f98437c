@testable import RoostCLI
import Testing

@Suite struct LatencyHistogramTests {
    @Test func quantilesAreWithinTheBucketPrecision() {
        var histogram = LatencyHistogram()
        for value in 1...100_000 { histogram.record(UInt64(value) * 1_000) }
        #expect(histogram.count == 100_000 && histogram.max == 100_000_000)
        for (q, exact) in [(0.5, 50_000_000.0), (0.9, 90_000_000.0), (0.99, 99_000_000.0), (0.999, 99_900_000.0)] {
            let got = Double(histogram.value(atQuantile: q))
            #expect(abs(got - exact) / exact < 0.035, "q\(q): \(got) vs \(exact)")
        }
        #expect(histogram.value(atQuantile: 1) == 100_000_000)
    }

    @Test func mergeAddsCountsAndKeepsTheMaximum() {
        var a = LatencyHistogram(), b = LatencyHistogram()
        for _ in 0..<10 { a.record(10) }
        b.record(5_000_000)
        a.merge(b)
        #expect(a.count == 11 && a.max == 5_000_000 && a.value(atQuantile: 0.5) == 10)
        #expect(LatencyHistogram().value(atQuantile: 0.99) == 0)
    }
}
