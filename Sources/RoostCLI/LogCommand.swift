import ArgumentParser
import Foundation
import RoostStorage

/// `roost log`: offline tools over segment files (the broker need not run).
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Inspect and verify log segment files offline.",
        subcommands: [LogDumpCommand.self, LogVerifyCommand.self])
}

/// Finding segment files under a path given on the command line.
enum SegmentFiles {
    /// `path` itself if it is a `.log` file; else the segments of the directory; else, recursively, those of
    /// its subdirectories (a topic directory, the log directory, or the data directory all work).
    static func find(_ path: String) throws -> [String] {
        guard SegmentInspector.isDirectory(path) else {
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError(.notFound, "no such file or directory: \(path)") }
            return [path]
        }
        var found: [String] = []
        try collect(path, depth: 0, into: &found)
        return found
    }

    private static func collect(_ directory: String, depth: Int, into found: inout [String]) throws {
        let segments = try SegmentInspector.segmentFiles(inDirectory: directory)
        found.append(contentsOf: segments)
        guard depth < 3 else { return }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let child = directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
            if SegmentInspector.isDirectory(child) { try collect(child, depth: depth + 1, into: &found) }
        }
    }

    /// Opens a segment, mapping errors to a CLI error naming the file.
    static func open(_ path: String) throws -> SegmentInspector {
        do {
            return try SegmentInspector(path: path)
        } catch {
            throw CLIError(.generic, "\(path): \(error)")
        }
    }
}
