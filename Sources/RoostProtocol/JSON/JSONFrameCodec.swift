import NIOCore

/// The JSON encoding of wire protocol v1 (subprotocol `roost.v1.json`, one frame per text message).
///
/// Decoding scans the complete frame once with a strict RFC 8259 scanner and reads fields from the
/// scanned positions; `data` is kept as a slice of the frame, byte for byte. Encoding writes straight
/// into the caller's `ByteBuffer`. A value type with no mutable state: share it freely.
public struct JSONFrameCodec: FrameCodec {
    /// The default nesting limit: deep enough for any sensible payload, shallow enough that the
    /// recursive scanner's stack use stays small (a few KiB).
    public static let defaultMaxDepth = 64

    /// The deepest nesting accepted in a frame, the frame object itself being level 1. Payloads deeper
    /// than this are rejected at publish (`invalid_json`) and delivered as `data_b64`.
    public let maxDepth: Int

    /// Creates a codec; `maxDepth` is clamped to 4...512: 4 lets a `publish_batch` element carry a payload
    /// array or object (frame, `messages`, element, payload), and 512 keeps the recursion shallow.
    public init(maxDepth: Int = JSONFrameCodec.defaultMaxDepth) {
        self.maxDepth = min(max(maxDepth, 4), 512)
    }

    /// `.json`.
    public var encoding: WireEncoding { .json }

    /// Scans `buffer` as one JSON object and hands its fields to `body`, inside the buffer's memory.
    func withFields<Frame>(
        _ buffer: ByteBuffer, _ body: (JSONFields, KnownOp?, Op) throws(ProtocolError) -> Frame
    ) throws(ProtocolError) -> Frame {
        let result: Result<Frame, ProtocolError> = buffer.withUnsafeReadableBytes { bytes in
            var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth)
            let members: [JSONScanner.Member]
            do throws(JSONSyntaxError) {
                members = try scanner.scanFrameObject()
            } catch {
                return .failure(error.protocolError)
            }
            let fields = JSONFields(scanner: scanner, members: members[...], frame: buffer, path: .top)
            // The id is read first so that every later error can be matched to its request.
            let id = try? fields.requestID()
            do throws(ProtocolError) {
                guard let value = fields.find("op") else { throw ProtocolError.missing("op") }
                guard value.kind == .string else { throw ProtocolError.invalid("op", "must be a string") }
                // Compare bytes with the known names: no String is made for a known op.
                let known = KnownOp.allCases.first { scanner.stringEquals(value, $0.jsonName) }
                return .success(try body(fields, known, known?.op ?? Op(rawValue: scanner.decodeString(value))))
            } catch {
                var error = error
                error.requestID = id
                return .failure(error)
            }
        }
        return try result.get()
    }
}
