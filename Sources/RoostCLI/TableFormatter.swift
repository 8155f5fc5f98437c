import Foundation

/// Human output: aligned columns, and JSON printing for `--json`.
enum Output {
    /// Prints rows under headers with columns padded to their widest cell.
    static func table(_ headers: [String], _ rows: [[String]]) {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(headers))
        for row in rows { print(line(row)) }
    }

    /// Prints key/value pairs, keys aligned.
    static func pairs(_ pairs: [(String, String)]) {
        let width = pairs.map(\.0.count).max() ?? 0
        for (key, value) in pairs { print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
    }

    /// Prints a JSON value on one line (sorted keys, so output is stable).
    static func json(_ value: Any) {
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// A JSON number or null as text.
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "-"
        case let n as NSNumber:
            // JSONSerialization gives booleans as NSNumbers of type char.
            if String(cString: n.objCType) == "c" { return n.boolValue ? "yes" : "no" }
            return n.stringValue
        case let s as String: return s
        case let value?: return "\(value)"
        }
    }

    /// Bytes as a human size (KiB, MiB, ...).
    static func bytes(_ value: Any?) -> String {
        guard let n = (value as? NSNumber)?.doubleValue else { return text(value) }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var size = n
        var unit = 0
        while size >= 1024 && unit < units.count - 1 {
            size /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(n)) B" : String(format: "%.1f %@", size, units[unit])
    }

    /// Milliseconds as a human duration (7d, 1h, 500ms), `forever` for null.
    static func duration(_ value: Any?) -> String {
        guard let ms = (value as? NSNumber)?.int64Value else { return value is NSNull ? "forever" : text(value) }
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where ms >= size && ms % size == 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms)ms"
    }

    /// Writes one line to stderr.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
