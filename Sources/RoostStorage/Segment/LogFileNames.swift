/// The names of every file the disk log writes, defined in one place (see Docs/storage.md, "Directory layout").
///
/// A segment is named by its base offset as 20 zero-padded decimal digits, so that `ls` sorts segments in
/// offset order: `00000000000000000000.log`, `.index`, `.timeindex`.
public enum LogFileNames {
    /// Suffix of a segment's record batches.
    public static let logSuffix = ".log"
    /// Suffix of a segment's sparse offset index.
    public static let indexSuffix = ".index"
    /// Suffix of a segment's time index.
    public static let timeIndexSuffix = ".timeindex"
    /// Suffix of a file being written before its atomic rename.
    public static let temporarySuffix = ".tmp"
    /// Per-topic configuration, JSON.
    public static let configFile = "config.json"
    /// Written in the store directory on clean close, removed on open.
    public static let cleanShutdownMarker = ".clean-shutdown"
    /// Held with an exclusive `flock` while a store is open, so two processes never open one directory.
    public static let lockFile = ".lock"

    /// The 20-digit file stem of the segment starting at `baseOffset`.
    public static func stem(baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The base offset encoded in a `.log` file name, or `nil` if `fileName` is not a segment file.
    public static func baseOffset(ofSegmentFile fileName: String) -> Int64? {
        guard fileName.hasSuffix(logSuffix) else { return nil }
        let stem = fileName.dropLast(logSuffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int64(stem)
    }

    /// Whether `name` is a valid topic name: dot-separated non-empty tokens of `[A-Za-z0-9_-]`, optionally
    /// prefixed by `$` for system topics, at most 249 bytes (so `name` plus a suffix fits in a file name).
    public static func isValidTopicName(_ name: String) -> Bool {
        var utf8 = Substring(name).utf8
        guard !utf8.isEmpty, utf8.count <= 249 else { return false }
        if utf8.first == UInt8(ascii: "$") { utf8 = utf8.dropFirst() }
        var tokenLength = 0
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "."):
                if tokenLength == 0 { return false }
                tokenLength = 0
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                tokenLength += 1
            default:
                return false
            }
        }
        return tokenLength > 0
    }
}
