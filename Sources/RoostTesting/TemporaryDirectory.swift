#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A unique, freshly created directory under `$TMPDIR` (or `/tmp`), removed with everything in it by
/// `remove()` or `withTemporaryDirectory`.
public struct TemporaryDirectory: Sendable {
    /// Absolute path of the directory.
    public let path: String

    /// Creates the directory (`mkdtemp`) with a name starting with `prefix`. Throws if it cannot.
    public init(prefix: String = "roost-test") throws {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((base + "/" + prefix + ".XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TemporaryDirectoryError(message: "mkdtemp failed: errno \(errno)")
        }
        self.path = String(cString: made)
    }

    /// `path/name`.
    public func appending(_ name: String) -> String { path + "/" + name }

    /// Whether the directory still exists.
    public var exists: Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes the directory and everything below it.
    public func remove() { Self.removeTree(path) }

    private static func removeTree(_ path: String) {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                var st = stat()
                if lstat(child, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                    removeTree(child)
                } else {
                    unlink(child)
                }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}

/// Runs `body` with a new temporary directory and removes it afterwards, whatever `body` does.
public func withTemporaryDirectory<T>(
    prefix: String = "roost-test", _ body: (TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { directory.remove() }
    return try await body(directory)
}

/// The temporary directory could not be created.
public struct TemporaryDirectoryError: Error, CustomStringConvertible {
    /// What failed.
    public let message: String
    public var description: String { message }
}
