/// The hash index of ``DedupTable``: which ring sequence number holds the entry of a key, in a flat array of
/// 8-byte slots (a 32-bit tag from the key's hash and the low 32 bits of the sequence number), linear probing,
/// at most three quarters full, deletion by backward shift (no tombstones).
///
/// Why not a `Dictionary<DedupKey, Entry>`: at 10,000 remembered ids its 80-byte buckets span 1.3 MB, and
/// every probe of a fresh id was a cache miss (`perf`, session 3: most of the table's cost). These slots take
/// 128 KB at 10,000 ids (eight to a cache line, so the longer runs of a fuller table cost little next to the
/// miss of their first slot) and a probe compares tags without touching the entries; only a tag match reads
/// the entry to compare the whole id (the `matches` closure). Not thread-safe: the table's lock guards it.
struct DedupIndex {
    private var slots: [UInt64]
    private var mask: Int
    /// Keys indexed.
    private(set) var count = 0

    init() {
        slots = Array(repeating: 0, count: 16)
        mask = 15
    }

    /// The tag of a key's hash: never zero (zero marks an empty slot); its low bits choose the home slot.
    static func tag(_ hash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: hash >> 32) | 0x8000_0000
    }

    /// The sequence number (low 32 bits) of the first slot with `tag` for which `matches` holds.
    func find(tag: UInt32, matches: (UInt32) -> Bool) -> UInt32? {
        var slot = Int(tag) & mask
        while slots[slot] != 0 {
            let value = slots[slot]
            if UInt32(truncatingIfNeeded: value >> 32) == tag, matches(UInt32(truncatingIfNeeded: value)) {
                return UInt32(truncatingIfNeeded: value)
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds a key (by tag) living at `sequence`.
    mutating func insert(tag: UInt32, sequence: UInt32) {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        place(UInt64(tag) << 32 | UInt64(sequence))
        count += 1
    }

    /// Points the key at `old` to `new` (a key found again further on, when the table is rebuilt from a log).
    mutating func move(tag: UInt32, from old: UInt32, to new: UInt32) {
        guard let slot = position(of: UInt64(tag) << 32 | UInt64(old)) else { return }
        slots[slot] = UInt64(tag) << 32 | UInt64(new)
    }

    /// Removes the key at `sequence`, if the index still points there (a key moved on stays).
    mutating func remove(tag: UInt32, sequence: UInt32) {
        guard var hole = position(of: UInt64(tag) << 32 | UInt64(sequence)) else { return }
        count -= 1
        // Backward shift: pull later slots of the run into the hole when their home is not after it.
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            let home = Int(UInt32(truncatingIfNeeded: slots[next] >> 32)) & mask
            if (next - home) & mask >= (next - hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
    }

    private func position(of value: UInt64) -> Int? {
        var slot = Int(UInt32(truncatingIfNeeded: value >> 32)) & mask
        while slots[slot] != 0 {
            if slots[slot] == value { return slot }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func place(_ value: UInt64) {
        var slot = Int(UInt32(truncatingIfNeeded: value >> 32)) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = value
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for value in old where value != 0 { place(value) }
    }
}
