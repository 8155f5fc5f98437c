import ArgumentParser
import Foundation
import NIOCore
import RoostStorage

/// `roost log dump PATH`: print batches (and records) of segment files.
struct LogDumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump", abstract: "Print the batches and records of segment files.",
        discussion: "PATH is a .log segment file or a directory (topic, log or data directory). Example: roost log dump data/log/orders.created --records")

    @Argument(help: "A .log segment file or a directory of them.") var path: String
    @Flag(help: "Also print every record.") var records = false
    @Flag(help: "One JSON object per batch.") var json = false

    func run() async throws {
        var corrupt: SegmentInspector.Problem?
        for file in try SegmentFiles.find(path) {
            let segment = try SegmentFiles.open(file)
            if !json { print("segment \(file) (\(segment.size) bytes)") }
            let problem = try segment.walk(decodeRecords: records) { batch in
                json ? printJSON(file, batch) : printText(batch)
            }
            if let problem {
                corrupt = corrupt ?? problem
                Output.error("roost: \(problem)")
            }
        }
        if let corrupt { throw CLIError(.corruption, "corruption found: \(corrupt)") }
    }

    private func printText(_ batch: SegmentInspector.Batch) {
        let h = batch.header
        print("  batch offsets \(h.baseOffset)...\(h.nextOffset - 1) count \(h.recordCount) at byte \(batch.position) size \(h.batchLength) codec \(h.codec.rawValue) time \(h.baseTimestamp)...\(h.maxTimestamp) checksum \(String(h.checksum, radix: 16))")
        for record in batch.records {
            var line = "    offset \(record.offset) time \(record.timestamp)"
            if let key = record.key { line += " key \(Self.show(key))" }
            for header in record.headers { line += " \(header.name)=\(header.value)" }
            print(line + " value \(Self.show(record.value))")
        }
    }

    private func printJSON(_ file: String, _ batch: SegmentInspector.Batch) {
        let h = batch.header
        var object: [String: Any] = [
            "file": file, "position": batch.position, "base_offset": h.baseOffset, "count": h.recordCount,
            "size": h.batchLength, "codec": h.codec.rawValue, "base_timestamp": h.baseTimestamp,
            "max_timestamp": h.maxTimestamp, "checksum": String(h.checksum, radix: 16),
        ]
        if records {
            object["records"] = batch.records.map { record -> [String: Any] in
                var r: [String: Any] = ["offset": record.offset, "timestamp": record.timestamp,
                                        "value_b64": Data(record.value.readableBytesView).base64EncodedString()]
                if let key = record.key { r["key_b64"] = Data(key.readableBytesView).base64EncodedString() }
                if !record.headers.isEmpty { r["headers"] = record.headers.map { [$0.name, $0.value] } }
                return r
            }
        }
        Output.json(object)
    }

    /// A payload for humans: the text if it is printable UTF-8 (cut at 80 characters), else hex.
    static func show(_ buffer: ByteBuffer) -> String {
        let bytes = Array(buffer.readableBytesView.prefix(64))
        if let text = String(validating: bytes, as: UTF8.self), !text.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) {
            let cut = text.count > 80 ? String(text.prefix(80)) + "..." : text
            return "\"" + cut + (buffer.readableBytes > 64 ? "...\"" : "\"")
        }
        return "0x" + bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            + (buffer.readableBytes > 64 ? "..." : "") + " (\(buffer.readableBytes) bytes)"
    }
}
