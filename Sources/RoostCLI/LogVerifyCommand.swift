import ArgumentParser
import Foundation
import RoostStorage

/// `roost log verify PATH`: check every batch checksum, record encoding, offset continuity and index.
struct LogVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify checksums and indexes of segment files (exit 5 on corruption).",
        discussion: """
            Reads every batch, checks its XXH3 checksum, its records and offset continuity, then checks the \
            .index and .timeindex files against the batches. Prints each problem with the file and byte \
            position. Example: roost log verify data/log
            """)

    @Argument(help: "A .log segment file or a directory of them.") var path: String
    @Flag(help: "Summary as JSON.") var json = false
    @Flag(name: .customLong("no-progress"), help: "No progress bar on stderr.") var noProgress = false

    func run() async throws {
        let files = try SegmentFiles.find(path)
        let segments = try files.map(SegmentFiles.open)
        let total = max(1, segments.reduce(0) { $0 + $1.size })
        let progress = ProgressBar(total: total, enabled: !noProgress && isatty(2) == 1)
        var problems: [SegmentInspector.Problem] = []
        var batches = 0
        var records = 0
        var done = 0
        var batchBytes = 0
        var zeroTailBytes = 0
        for segment in segments {
            var seen: [(baseOffset: Int64, position: Int)] = []
            var next = segment.baseOffset
            var end = 0
            let found = try segment.walkPastDamage(decodeRecords: false, progress: { progress.update(done + $0) }, { batch in
                seen.append((batch.header.baseOffset, batch.position))
                next = batch.header.nextOffset
                batches += 1
                records += batch.header.recordCount
                batchBytes += batch.header.batchLength
                end = batch.position + batch.header.batchLength
            })
            // What follows the last batch without a problem reported in it is the preallocated zero tail
            // (Docs/storage.md, "Preallocation"): part of the file, not of the log.
            if !found.contains(where: { $0.position >= end }) { zeroTailBytes += segment.size - end }
            problems += found
            problems.append(contentsOf: try segment.verifyIndexes(batches: seen, nextOffset: next))
            done += segment.size
            progress.update(done)
        }
        progress.finish()
        if json {
            Output.json(["segments": segments.count, "batches": batches, "records": records, "bytes": batchBytes,
                         "zero_tail_bytes": zeroTailBytes, "ok": problems.isEmpty,
                         "problems": problems.map { ["file": $0.file, "position": $0.position, "message": $0.message] }])
        } else {
            for problem in problems { print("CORRUPT \(problem)") }
            let tail = zeroTailBytes > 0 ? " (and \(zeroTailBytes) preallocated zero bytes)" : ""
            print("\(problems.isEmpty ? "OK" : "FAILED"): \(segments.count) segments, \(batches) batches, \(records) records, \(batchBytes) bytes\(tail)")
        }
        if let first = problems.first {
            throw CLIError(.corruption, "corruption found: \(first)")
        }
    }
}

/// A one-line progress bar on stderr, redrawn at most every 1% of progress.
final class ProgressBar {
    private let total: Int
    private let enabled: Bool
    private var lastPercent = -1

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let percent = min(100, done * 100 / total)
        guard percent != lastPercent else { return }
        lastPercent = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(percent)%  \(done) / \(total) bytes".utf8))
    }

    func finish() {
        guard enabled, lastPercent >= 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
