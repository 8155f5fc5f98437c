import NIOCore

/// A segment's sparse offset index: for some batches, where the batch starts in the `.log` file.
///
/// File format (`.index`): a sequence of 8-byte entries, big-endian, strictly increasing in both fields:
/// `uint32 relativeOffset` (batch base offset minus segment base offset), `uint32 position` (byte
/// position of the batch in the `.log` file). An entry is added when at least `indexIntervalBytes` were
/// written since the previous one, so a lookup reads at most about that many bytes past the entry.
struct OffsetIndex: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var relativeOffset: UInt32
        var position: UInt32
    }

    static let entrySize = 8
    private(set) var entries: [Entry] = []

    /// Adds an entry (ignored unless it is past the last one).
    mutating func append(relativeOffset: UInt32, position: UInt32) {
        if let last = entries.last, last.relativeOffset >= relativeOffset || last.position >= position { return }
        entries.append(Entry(relativeOffset: relativeOffset, position: position))
    }

    /// The entry with the largest relative offset `<= relativeOffset` (binary search), or nil.
    func floor(_ relativeOffset: UInt32) -> Entry? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].relativeOffset <= relativeOffset { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : entries[low - 1]
    }

    /// The file bytes.
    func serialized() -> [UInt8] {
        var out = ByteBufferAllocator().buffer(capacity: entries.count * Self.entrySize)
        for e in entries {
            out.writeInteger(e.relativeOffset)
            out.writeInteger(e.position)
        }
        return Array(out.readableBytesView)
    }

    /// Parses and validates an index file against its segment: whole entries, strictly increasing, every
    /// position inside the segment. `nil` means the file is stale or damaged and must be rebuilt.
    static func parse(_ buffer: ByteBuffer, segmentSize: Int) -> OffsetIndex? {
        guard buffer.readableBytes % entrySize == 0 else { return nil }
        var index = OffsetIndex()
        index.entries.reserveCapacity(buffer.readableBytes / entrySize)
        var b = buffer
        while let rel = b.readInteger(as: UInt32.self), let pos = b.readInteger(as: UInt32.self) {
            if let last = index.entries.last, last.relativeOffset >= rel || last.position >= pos { return nil }
            guard Int(pos) < segmentSize else { return nil }
            index.entries.append(Entry(relativeOffset: rel, position: pos))
        }
        return index
    }
}
