import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file with positional I/O. The descriptor is closed when the last reference goes away, so a
/// reader holding a segment keeps its file readable even after retention unlinked it.
///
/// Sendable: the only stored state is the immutable descriptor and path; `pread`/`pwrite` at explicit
/// positions are safe from any thread, and the writer serialises its own writes.
final class LogFile: Sendable {
    let fd: Int32
    let path: String

    /// Opens (and with `create`, creates) `path` for reading and writing.
    init(path: String, create: Bool) throws {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw LogError.io("open", path: path) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// The current file size.
    func size() throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LogError.io("fstat", path: path) }
        return Int(st.st_size)
    }

    /// Writes all of `bytes` at `position`, retrying short writes and EINTR.
    func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        try StorageFaults.check(.write, path: path, call: "pwrite")
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(position + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw LogError.io("pwrite", path: path)
            }
            done += n
        }
    }

    /// Writes the readable bytes of `buffer` at `position`.
    func write(_ buffer: ByteBuffer, at position: Int) throws {
        try buffer.withUnsafeReadableBytes { try write($0, at: position) }
    }

    /// Reads up to `count` bytes at `position` into a new buffer (fewer at end of file).
    func read(at position: Int, count: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var done = 0
        while done < count {
            let n = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { ptr -> Int in
                let n = pread(fd, ptr.baseAddress!, count - done, off_t(position + done))
                if n < 0 && errno != EINTR { throw LogError.io("pread", path: path) }
                return max(n, 0)
            }
            if n == 0 { break }
            done += n
        }
        return buffer
    }

    /// Flushes data (not necessarily metadata unrelated to reading it back) to stable storage.
    func sync() throws {
        try StorageFaults.check(.sync, path: path, call: "fdatasync")
        #if canImport(Darwin)
        guard fsync(fd) == 0 else { throw LogError.io("fsync", path: path) }
        #else
        guard fdatasync(fd) == 0 else { throw LogError.io("fdatasync", path: path) }
        #endif
    }

    /// Takes an exclusive advisory lock without waiting; throws `io` (EWOULDBLOCK) when another open
    /// file holds it. Released when the file is closed.
    func lockExclusively() throws {
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw LogError.io("flock", path: path) }
    }

    /// Releases the advisory lock.
    func unlock() { _ = flock(fd, LOCK_UN) }

    /// Cuts the file to `size` bytes.
    func truncate(to size: Int) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw LogError.io("ftruncate", path: path) }
    }
}

extension LogError {
    /// An `io` error carrying the current `errno`.
    static func io(_ call: String, path: String) -> LogError {
        let code = currentErrno()
        return LogError(code: .io, message: "\(call) \(path): \(String(cString: strerror(code)))", errno: code)
    }

    static func corrupt(_ message: String) -> LogError { LogError(code: .corrupt, message: message) }
}

@inline(__always)
private func currentErrno() -> Int32 { errno }
