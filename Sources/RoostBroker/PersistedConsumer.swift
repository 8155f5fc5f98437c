/// The stored form of a durable consumer: settings and, per topic, the ack floor and the acked offsets above
/// it as inclusive ranges. In-flight messages are not stored: after a restart everything from the floor that
/// is not acked is delivered again (at-least-once).
struct PersistedConsumer: Codable, Sendable, Equatable {
    struct Cursor: Codable, Sendable, Equatable {
        var ackFloor: Int64
        /// Inclusive ranges `[first, last]` of acked offsets above the floor.
        var acked: [[Int64]]
    }

    var version = 1
    var name: String
    var settings: Consumer.Settings
    var createdAt: Int64
    var cursors: [String: Cursor]

    static func ranges(_ offsets: Set<Int64>) -> [[Int64]] {
        var result: [[Int64]] = []
        for offset in offsets.sorted() {
            if let last = result.last?.last, last + 1 == offset {
                result[result.count - 1][1] = offset
            } else {
                result.append([offset, offset])
            }
        }
        return result
    }

    static func offsets(_ ranges: [[Int64]]) -> Set<Int64> {
        var result: Set<Int64> = []
        for range in ranges where range.count == 2 && range[0] <= range[1] && range[1] - range[0] < 10_000_000 {
            for offset in range[0]...range[1] { result.insert(offset) }
        }
        return result
    }
}
