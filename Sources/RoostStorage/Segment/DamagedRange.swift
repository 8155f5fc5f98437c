/// A stretch of a segment file that does not verify (a flipped bit, a damaged header, garbage) with intact
/// batches after it, or, in a sealed segment, running to its end. Its bytes are never returned as data; the
/// offsets it held are reported, and reads of them fail with `LogError` `corrupt` carrying `damagedOffsets`,
/// so that a reader can step over them. See Docs/storage.md, "Damage".
public struct DamagedRange: Sendable, Hashable, CustomStringConvertible {
    /// The `.log` file.
    public var file: String
    /// The first damaged byte in the file.
    public var position: Int
    /// Damaged bytes from `position` (up to the next intact batch, or the end of the segment).
    public var length: Int
    /// The offsets the damaged bytes held; empty when only bytes between batches were damaged.
    public var offsets: Range<Int64>

    /// Creates a description of a damaged stretch.
    public init(file: String, position: Int, length: Int, offsets: Range<Int64>) {
        self.file = file
        self.position = position
        self.length = length
        self.offsets = offsets
    }

    /// "FILE bytes P..<E (offsets A..<B)".
    public var description: String {
        "\(file) bytes \(position)..<\(position + length) (offsets \(offsets.lowerBound)..<\(offsets.upperBound))"
    }
}
