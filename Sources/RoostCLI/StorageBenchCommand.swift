import ArgumentParser
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RoostStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `roost bench storage`: append, group-commit, read and reopen throughput of the disk log, printed as a
/// Markdown table (see Docs/benchmarks.md). Build with `-c release`; numbers from a debug build mean nothing.
struct StorageBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Benchmark the disk log: append (fsync never/interval/always, LZ4 on/off, batch sizes), group commit, read, reopen.")

    @Option(help: "Directory for the benchmark's logs (created; its logs are deleted afterwards).")
    var dir: String

    @Option(help: "Records per append case (cases also stop after --seconds).")
    var records: Int = 1_000_000

    @Option(help: "Value size of each record, bytes.")
    var recordSize: Int = 128

    @Option(help: "Time budget of one append case, seconds.")
    var seconds: Double = 3

    @Option(help: "Appends in flight in the group-commit case.")
    var inFlight: Int = 1000

    @Option(name: .customLong("reopen-mib"), help: "Size of the log reopened after a clean shutdown, MiB (0 skips the case).")
    var reopenMiB: Int = 1024

    @Option(help: "Batch sizes of the append cases, comma-separated.")
    var batches: String = "1,100,1000"

    @Option(help: "Fsync policies of the append cases, comma-separated (never, interval, always).")
    var policies: String = "never,interval,always"

    /// The synchronous entry point: `await RoostCommand.main()` in main.swift resolves to the synchronous
    /// `ParsableCommand.main()` (swift-argument-parser issue 662), which calls this `run()`, not the async
    /// one; so it runs the async benchmark on the global executor and waits for it.
    mutating func run() throws {
        let command = self
        let outcome = NIOLockedValueBox<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { try await command.runBenchmarks() } catch { outcome.withLockedValue { $0 = error } }
            done.signal()
        }
        done.wait()
        if let error = outcome.withLockedValue({ $0 }) { throw error }
    }

    mutating func run() async throws {
        try await runBenchmarks()
    }

    func runBenchmarks() async throws {
        var logger = Logger(label: "roost.bench")
        logger.logLevel = .warning
        let bench = StorageBench(directory: dir, recordSize: recordSize, seconds: seconds, logger: logger)
        print("machine: \(StorageBench.cpuCount()) CPUs, \(StorageBench.cpuModel())")
        print("record value: \(recordSize) bytes; MB/s counts value bytes (10^6)\n")
        let fsyncRate = try bench.measureRawFsyncRate()
        print("raw disk: \(Int(fsyncRate)) fdatasync/s (pwrite of \(recordSize) bytes + fdatasync, one at a time)\n")
        print("| case | fsync | codec | batch | records | records/s | MB/s | records/CPU-s |")
        print("|---|---|---|---:|---:|---:|---:|---:|")
        let batchSizes = batches.split(separator: ",").compactMap { Int($0) }
        let known: [(String, String, FsyncPolicy)] = [
            ("never", "never", .never), ("interval", "interval 10ms", .interval(milliseconds: 10)), ("always", "always", .always),
        ]
        let chosen = Set(policies.split(separator: ",").map(String.init))
        for (key, policyName, policy) in known where chosen.contains(key) {
            for codec in CompressionCodec.allCases {
                for batch in batchSizes {
                    let r = try await bench.append(fsync: policy, codec: codec, batch: batch, records: records, keep: false)
                    print(bench.row("append", policyName, codec.rawValue, "\(batch)", r))
                }
            }
        }
        for codec in CompressionCodec.allCases {
            let r = try await bench.groupCommit(codec: codec, inFlight: inFlight, records: max(records / 5, inFlight * 20))
            print(bench.row("group commit, \(inFlight) in flight", "always", codec.rawValue, "1", r)
                + " \(String(format: "%.0f", r.perSecond / fsyncRate))x raw fdatasync/s")
        }
        for codec in CompressionCodec.allCases {
            _ = try await bench.append(fsync: .never, codec: codec, batch: 1000, records: records, keep: true)
            let r = try bench.sequentialRead(codec: codec)
            print(bench.row("sequential read", "-", codec.rawValue, "10000/read", r))
        }
        if reopenMiB > 0 {
            let (clean, unclean, bytes) = try await bench.reopen(mebibytes: reopenMiB)
            print("\nreopen of a \(bytes >> 20) MiB log: \(String(format: "%.3f", clean)) s after clean shutdown, "
                + "\(String(format: "%.3f", unclean)) s after a crash (full scan of the 32 MiB active segment)")
        }
    }
}

/// The measurements behind `roost bench storage`.
struct StorageBench {
    struct Result {
        var records: Int
        var seconds: Double
        var recordSize: Int
        var perSecond: Double { Double(records) / seconds }
        var megabytesPerSecond: Double { Double(records * recordSize) / seconds / 1e6 }
        /// Process CPU time (user + system, all threads) spent in the case: a machine shared with other
        /// work slows wall-clock rates, not this.
        var cpuSeconds: Double = 0
        var perCPUSecond: Double { cpuSeconds > 0 ? Double(records) / cpuSeconds : 0 }
    }

    let directory: String
    let recordSize: Int
    let seconds: Double
    let logger: Logger

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// User plus system CPU seconds of this process so far.
    static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func cpuCount() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    static func cpuModel() -> String {
        guard let f = fopen("/proc/cpuinfo", "r") else { return "unknown CPU" }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, 512, f) != nil {
            let s = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if s.hasPrefix("model name"), let colon = s.firstIndex(of: ":") {
                return s[s.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return "unknown CPU"
    }

    func row(_ name: String, _ fsync: String, _ codec: String, _ batch: String, _ r: Result) -> String {
        "| \(name) | \(fsync) | \(codec) | \(batch) | \(r.records) | \(Int(r.perSecond)) | \(String(format: "%.1f", r.megabytesPerSecond)) | \(Int(r.perCPUSecond)) |"
    }

    /// A realistic 128-byte-ish JSON value, varying per record so that LZ4 has real work.
    func value(_ i: Int) -> ByteBuffer {
        var s = "{\"type\":\"order.created\",\"order_id\":\(i),\"customer\":\"c-\(i % 977)\",\"amount\":\(i % 10_000).\(i % 97)}"
        if s.utf8.count < recordSize { s += String(repeating: " ", count: recordSize - s.utf8.count) }
        return ByteBuffer(string: String(s.utf8.prefix(recordSize))!)
    }

    func openStore() throws -> DiskLogStore { try DiskLogStore(directory: directory, logger: logger) }

    /// pwrite + fdatasync of one record, one at a time, for about a second: the disk's sync rate.
    func measureRawFsyncRate() throws -> Double {
        try openStore().close()  // creates the directory
        let path = directory + "/fsync-probe"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ValidationError("cannot create \(path)") }
        defer { close(fd); unlink(path) }
        let bytes = [UInt8](repeating: 7, count: recordSize)
        let start = Self.now()
        var n = 0
        var position = 0
        while Self.now() - start < 1 || n < 10 {
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(position)) }
            fdatasync(fd)
            position += recordSize
            n += 1
        }
        return Double(n) / (Self.now() - start)
    }

    /// Sequential appends of `batch` records each, one append in flight, until `records` or the time budget.
    func append(fsync: FsyncPolicy, codec: CompressionCodec, batch: Int, records: Int, keep: Bool) async throws -> Result {
        let store = try openStore()
        let name = "append-\(codec.rawValue)"
        if store.log(named: name) != nil { try store.deleteLog(named: name) }
        let log = try store.createLog(named: name, configuration: LogConfiguration(compression: codec, fsync: fsync))
        let values = (0..<max(batch, 1000)).map { Record(value: value($0)) }
        let start = Self.now()
        let cpuStart = Self.cpuTime()
        var written = 0
        while written < records, Self.now() - start < seconds {
            let slice = Array(values[(written % (values.count - batch + 1))...].prefix(batch))
            written += try await log.append(slice).count
        }
        let elapsed = Self.now() - start
        let cpu = Self.cpuTime() - cpuStart
        if !keep { try store.deleteLog(named: name) }
        try store.close()
        return Result(records: written, seconds: elapsed, recordSize: recordSize, cpuSeconds: cpu)
    }

    /// Single-record appends from `inFlight` concurrent callers under fsync `always`: each completion
    /// issues the next append, so `inFlight` are always queued or being written.
    func groupCommit(codec: CompressionCodec, inFlight: Int, records: Int) async throws -> Result {
        let store = try openStore()
        let name = "group-\(codec.rawValue)"
        let log = try store.createLog(named: name, configuration: LogConfiguration(compression: codec, fsync: .always))
        let values = (0..<1000).map { [Record(value: value($0))] }
        let issued = NIOLockedValueBox(0)
        let deadline = Self.now() + seconds
        let start = Self.now()
        let cpuStart = Self.cpuTime()
        let completed: Int = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            let state = NIOLockedValueBox((done: 0, active: inFlight, failed: false))
            @Sendable func issue() {
                let i = issued.withLockedValue { n -> Int? in
                    guard n < records, Self.now() < deadline else { return nil }
                    n += 1
                    return n
                }
                guard let i else {
                    let (finished, done) = state.withLockedValue { s -> (Bool, Int) in
                        s.active -= 1
                        return (s.active == 0 && !s.failed, s.done)
                    }
                    if finished { continuation.resume(returning: done) }
                    return
                }
                log.append(values[i % values.count]) { result in
                    if case .failure(let error) = result {
                        let first = state.withLockedValue { s -> Bool in
                            defer { s.failed = true }
                            return !s.failed
                        }
                        if first { continuation.resume(throwing: error) }
                        return
                    }
                    state.withLockedValue { $0.done += 1 }
                    issue()
                }
            }
            for _ in 0..<inFlight { issue() }
        }
        let elapsed = Self.now() - start
        let cpu = Self.cpuTime() - cpuStart
        try store.deleteLog(named: name)
        try store.close()
        return Result(records: completed, seconds: elapsed, recordSize: recordSize, cpuSeconds: cpu)
    }

    /// Reads the whole log kept by the `keep` append case, 10,000 records per read.
    func sequentialRead(codec: CompressionCodec) throws -> Result {
        let store = try openStore()
        let name = "append-\(codec.rawValue)"
        guard let log = store.log(named: name) else { throw ValidationError("no log \(name)") }
        var offset = log.startOffset
        var count = 0
        let start = Self.now()
        let cpuStart = Self.cpuTime()
        while true {
            let page = try log.read(from: offset, maxRecords: 10_000, maxBytes: 4 << 20)
            if page.records.isEmpty { break }
            count += page.records.count
            offset = page.nextOffset
        }
        let elapsed = Self.now() - start
        let cpu = Self.cpuTime() - cpuStart
        try store.deleteLog(named: name)
        try store.close()
        return Result(records: count, seconds: elapsed, recordSize: recordSize, cpuSeconds: cpu)
    }

    /// Writes about `mebibytes` (+ 32 MiB in the active segment) of records, closes cleanly, and times
    /// opening the store; then removes the clean-shutdown marker and times an unclean open.
    func reopen(mebibytes: Int) async throws -> (clean: Double, unclean: Double, bytes: Int64) {
        var store = try openStore()
        let name = "reopen"
        if store.log(named: name) != nil { try store.deleteLog(named: name) }
        let log = try store.createLog(named: name, configuration: LogConfiguration(fsync: .never))
        let batch = (0..<1000).map { Record(value: value($0)) }
        // Half a default segment past the size, so that the crash case scans a real active segment.
        while log.sizeInBytes < Int64(mebibytes) << 20 + 32 << 20 { _ = try await log.append(batch) }
        let bytes = log.sizeInBytes
        try store.close()
        var start = Self.now()
        store = try openStore()
        let clean = Self.now() - start
        try store.close()
        unlink(directory + "/" + LogFileNames.cleanShutdownMarker)
        start = Self.now()
        store = try openStore()
        let unclean = Self.now() - start
        try store.deleteLog(named: name)
        try store.close()
        return (clean, unclean, bytes)
    }
}
