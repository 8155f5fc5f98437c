import Foundation
import NIOCore

/// A topic's `config.json`: its `LogConfiguration` as JSON, replaced atomically (temporary file, fsync,
/// rename, fsync of the directory) so that a crash leaves the old or the new file, never a torn one.
enum TopicConfigFile {
    static func path(directory: String) -> String { directory + "/" + LogFileNames.configFile }

    static func write(_ configuration: LogConfiguration, directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(configuration)
        } catch {
            throw LogError(code: .invalidConfiguration, message: "cannot encode configuration: \(error)")
        }
        try FileSystem.writeAtomically(Array(data), to: path(directory: directory), directory: directory)
    }

    /// The stored configuration, or `nil` when the file is missing.
    static func read(directory: String) throws -> LogConfiguration? {
        let path = path(directory: directory)
        guard FileSystem.exists(path) else { return nil }
        let bytes = try FileSystem.readAll(path)
        do {
            return try JSONDecoder().decode(LogConfiguration.self, from: Data(bytes.readableBytesView))
        } catch {
            throw LogError(code: .corrupt, message: "unreadable \(path): \(error)")
        }
    }
}
