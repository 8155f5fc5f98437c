import Foundation

/// `NSNull` for JSON bodies, under a name that reads as intent.
enum NSNullValue {
    static var null: Any { NSNull() }
}

/// Parsing of human durations and times given on the command line.
enum Durations {
    /// `7d`, `12h`, `30m`, `10s`, `500ms`, or a bare number of milliseconds.
    static func milliseconds(_ text: String, option: String) throws -> Int64 {
        let units: [(String, Int64)] = [("ms", 1), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        for (suffix, size) in units where text.hasSuffix(suffix) {
            if let n = Int64(text.dropLast(suffix.count)), n >= 0 { return n * size }
        }
        if let n = Int64(text), n >= 0 { return n }
        throw CLIError.usage("\(option): expected a duration like 7d, 12h, 30m, 10s or 500ms, got '\(text)'")
    }

    /// A point in time: ISO 8601 (`2026-11-21T06:00:00Z`), or `-1h` style relative to now, or `@MS` (ms
    /// since the epoch). Returns ms since the epoch, or nil if `text` is none of these.
    static func time(_ text: String) -> Int64? {
        if text.hasPrefix("@"), let ms = Int64(text.dropFirst()) { return ms }
        if text.hasPrefix("-"), let ago = try? milliseconds(String(text.dropFirst()), option: "") {
            return Int64(Date().timeIntervalSince1970 * 1000) - ago
        }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        return nil
    }

    /// A position argument: `earliest`, `latest`, an offset, or a time (see ``time(_:)``).
    enum Position {
        case earliest, latest, offset(Int64), time(Int64)
    }

    static func position(_ text: String, option: String) throws -> Position {
        switch text {
        case "earliest": return .earliest
        case "latest": return .latest
        default:
            if let offset = Int64(text), offset >= 0 { return .offset(offset) }
            if let time = time(text) { return .time(time) }
            throw CLIError.usage("\(option): expected earliest, latest, an offset, an ISO 8601 time, -1h or @MS, got '\(text)'")
        }
    }
}
