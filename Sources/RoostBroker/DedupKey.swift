/// A dedup id as the table's key, built once per id: a SipHash of its UTF-8 bytes (the standard library's
/// `Hasher`, randomly seeded per process, so ids chosen by a client cannot be crafted to collide) and, for
/// ids of up to 32 bytes (the client's are about 20), the bytes themselves inline. The table then holds no
/// reference to the decoded string: ten thousand remembered ids are no ten thousand long-lived heap objects
/// to retain, release and fragment the allocator with (measured with `perf`, session 2).
///
/// The table's index files the key under 32 bits of this hash (``tag``).
struct DedupKey: Hashable, Sendable {
    private typealias Inline = (UInt64, UInt64, UInt64, UInt64)
    private static let inlineCapacity = 32

    private let hash: UInt64
    private let count: Int
    private let inline: Inline
    /// The id when it is longer than `inlineCapacity` bytes.
    private let overflow: String?

    init(_ id: String) {
        var text = id
        var inline: Inline = (0, 0, 0, 0)
        var hasher = Hasher()
        let count = text.withUTF8 { bytes -> Int in
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
            let head = UnsafeRawBufferPointer(start: bytes.baseAddress, count: min(bytes.count, Self.inlineCapacity))
            withUnsafeMutableBytes(of: &inline) { $0.copyMemory(from: head) }
            return bytes.count
        }
        self.hash = UInt64(bitPattern: Int64(hasher.finalize()))
        self.count = count
        self.inline = inline
        self.overflow = count > Self.inlineCapacity ? id : nil
    }

    static func == (lhs: DedupKey, rhs: DedupKey) -> Bool {
        lhs.hash == rhs.hash && lhs.count == rhs.count && lhs.inline == rhs.inline && lhs.overflow == rhs.overflow
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    /// The tag ``DedupIndex`` files the key under.
    var tag: UInt32 { DedupIndex.tag(hash) }
}
