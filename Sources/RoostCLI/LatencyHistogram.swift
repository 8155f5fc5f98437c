/// A log-linear latency histogram (HDR style): 64 linear sub-buckets per power of two, so any recorded
/// value is reported within about 1.6%, in constant memory, with O(1) recording and cheap merging.
struct LatencyHistogram: Sendable {
    private static let subBucketBits = 6
    private static let subBuckets = 1 << subBucketBits
    private var counts = [UInt64](repeating: 0, count: (64 - subBucketBits + 1) * (1 << subBucketBits))
    private(set) var count: UInt64 = 0
    private(set) var max: UInt64 = 0
    private(set) var sum: UInt64 = 0

    /// Records one value (nanoseconds).
    mutating func record(_ value: UInt64) {
        counts[Self.index(value)] += 1
        count += 1
        sum &+= value
        if value > max { max = value }
    }

    /// Adds another histogram's values.
    mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices where other.counts[i] != 0 { counts[i] += other.counts[i] }
        count += other.count
        sum &+= other.sum
        if other.max > max { max = other.max }
    }

    /// The value at quantile `q` (0...1): the upper edge of its bucket, capped by the maximum.
    func value(atQuantile q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = UInt64((Double(count) * q).rounded(.up))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c != 0 {
            seen += c
            if seen >= Swift.max(rank, 1) { return Swift.min(Self.upperEdge(i), max) }
        }
        return max
    }

    private static func index(_ value: UInt64) -> Int {
        guard value >= UInt64(subBuckets) else { return Int(value) }
        let magnitude = 63 - value.leadingZeroBitCount - subBucketBits + 1
        let sub = Int(value >> UInt64(magnitude)) - subBuckets / 2
        return subBuckets + (magnitude - 1) * (subBuckets / 2) + sub
    }

    private static func upperEdge(_ index: Int) -> UInt64 {
        guard index >= subBuckets else { return UInt64(index) }
        let magnitude = (index - subBuckets) / (subBuckets / 2) + 1
        let sub = (index - subBuckets) % (subBuckets / 2) + subBuckets / 2
        return (UInt64(sub + 1) << UInt64(magnitude)) - 1
    }
}
