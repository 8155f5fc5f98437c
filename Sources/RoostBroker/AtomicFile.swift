#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
    #else
    Darwin.write(fd, buffer, count)
    #endif
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, buffer, count)
    #else
    Darwin.read(fd, buffer, count)
    #endif
}

/// Crash-safe small files: write a temporary file, fdatasync it, rename it over the target and fsync the
/// directory, so that after a crash the target holds either the old or the new content, never a mix.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws(BrokerError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("open", temporary) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return systemWrite(fd, base + written, raw.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(fd)
                throw error
            }
            written += result
        }
        if fdatasync(fd) != 0 {
            let error = failure("fdatasync", temporary)
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw failure("rename", path) }
        try syncDirectory(of: path)
    }

    /// Reads a whole file, or returns `nil` if it does not exist.
    static func read(_ path: String) throws(BrokerError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
        }
    }

    static func remove(_ path: String) throws(BrokerError) {
        if unlink(path) != 0, errno != ENOENT { throw failure("unlink", path) }
        try syncDirectory(of: path)
    }

    /// Renames a damaged file to `<path>.corrupt` (replacing an older one) so that it is kept for inspection
    /// but never read again; returns the new path.
    static func setAside(_ path: String) throws(BrokerError) -> String {
        let kept = path + ".corrupt"
        guard rename(path, kept) == 0 else { throw failure("rename", path) }
        try syncDirectory(of: path)
        return kept
    }

    static func makeDirectory(_ path: String) throws(BrokerError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0, errno != EEXIST { throw failure("mkdir", prefix) }
        }
    }

    /// Names of the regular entries of a directory.
    static func list(_ path: String) throws(BrokerError) -> [String] {
        guard let dir = opendir(path) else { throw failure("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    private static func syncDirectory(of path: String) throws(BrokerError) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", directory) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw failure("fsync", directory) }
    }

    private static func failure(_ call: String, _ path: String) -> BrokerError {
        let code = errno
        return BrokerError(code: .storage, message: "\(call) '\(path)' failed: \(String(cString: strerror(code))) (errno \(code))")
    }
}
