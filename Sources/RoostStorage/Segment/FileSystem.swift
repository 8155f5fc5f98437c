#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Small POSIX helpers for directories and whole files (open, recovery and config paths, not the hot path).
enum FileSystem {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw LogError.io("mkdir", path: path) }
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            try makeDirectory(prefix)
        }
    }

    /// fsyncs a directory so that creations, renames and unlinks in it are durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw LogError.io("open", path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw LogError.io("fsync", path: path) }
    }

    static func rename(_ from: String, to: String) throws {
        guard posixRename(from, to) == 0 else { throw LogError.io("rename", path: from) }
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw LogError.io("unlink", path: path) }
    }

    /// Names of the entries of a directory (without `.` and `..`).
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw LogError.io("opendir", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes a directory and the files in it (topic directories hold no subdirectories).
    static func removeTree(_ path: String) throws {
        for name in try list(path) { try remove(path + "/" + name) }
        if rmdir(path) != 0 && errno != ENOENT { throw LogError.io("rmdir", path: path) }
    }

    /// Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws {
        let temporary = path + LogFileNames.temporarySuffix
        let file = try LogFile(path: temporary, create: true)
        try file.truncate(to: 0)
        try bytes.withUnsafeBytes { try file.write($0, at: 0) }
        try file.sync()
        guard posixRename(temporary, path) == 0 else { throw LogError.io("rename", path: path) }
        try syncDirectory(directory)
    }

    /// The whole content of a file.
    static func readAll(_ path: String) throws -> ByteBuffer {
        let file = try LogFile(path: path, create: false)
        return try file.read(at: 0, count: try file.size())
    }
}

@inline(__always)
private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
