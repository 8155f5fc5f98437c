import NIOCore

/// A segment's time index: for some batches, their base timestamp and relative offset, plus (once the
/// segment is sealed) a final entry with the segment's largest timestamp and last offset.
///
/// File format (`.timeindex`): a sequence of 12-byte entries, big-endian, non-decreasing timestamps and
/// strictly increasing offsets: `int64 timestamp` (ms since the epoch), `uint32 relativeOffset`.
/// Timestamps are non-decreasing along offsets in a Roost log, so every record before an entry's offset
/// has a timestamp `<=` the entry's.
struct TimeIndex: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var timestamp: Int64
        var relativeOffset: UInt32
    }

    static let entrySize = 12
    private(set) var entries: [Entry] = []

    /// Adds an entry (ignored unless its offset is past the last one and its time not before it).
    mutating func append(timestamp: Int64, relativeOffset: UInt32) {
        if let last = entries.last, last.relativeOffset >= relativeOffset || last.timestamp > timestamp { return }
        entries.append(Entry(timestamp: timestamp, relativeOffset: relativeOffset))
    }

    /// The last entry whose timestamp is `< timestamp`: a record with a timestamp `>= timestamp` cannot be
    /// before its offset.
    func lastBefore(_ timestamp: Int64) -> Entry? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].timestamp < timestamp { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : entries[low - 1]
    }

    /// The file bytes.
    func serialized() -> [UInt8] {
        var out = ByteBufferAllocator().buffer(capacity: entries.count * Self.entrySize)
        for e in entries {
            out.writeInteger(e.timestamp)
            out.writeInteger(e.relativeOffset)
        }
        return Array(out.readableBytesView)
    }

    /// Parses and validates a time index file; `nil` when damaged (whole entries, ordered).
    static func parse(_ buffer: ByteBuffer) -> TimeIndex? {
        guard buffer.readableBytes % entrySize == 0 else { return nil }
        var index = TimeIndex()
        var b = buffer
        while let ts = b.readInteger(as: Int64.self), let rel = b.readInteger(as: UInt32.self) {
            if let last = index.entries.last, last.relativeOffset >= rel || last.timestamp > ts { return nil }
            index.entries.append(Entry(timestamp: ts, relativeOffset: rel))
        }
        return index
    }
}
