import NIOCore
import RoostStorage
import RoostTesting
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
#if canImport(Dispatch)
import Dispatch
#endif
import Testing

@Suite struct DiskLogStoreTests {
    @Test func createsListsAndDeletesLogs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try DiskLogStore(directory: dir.path)
        _ = try store.createLog(named: "orders.created", configuration: testConfiguration())
        _ = try store.createLog(named: "$dead-letter.orders", configuration: testConfiguration(.lz4))
        #expect(store.logNames() == ["$dead-letter.orders", "orders.created"])
        #expect(Files.exists(dir.appending("orders.created") + "/" + LogFileNames.configFile))
        #expect(Files.exists(segmentPath(dir, "orders.created")))
        let error = #expect(throws: LogError.self) { try store.createLog(named: "orders.created", configuration: .init()) }
        #expect(error?.code == .alreadyExists)
        try store.deleteLog(named: "orders.created")
        #expect(store.log(named: "orders.created") == nil)
        #expect(!Files.exists(dir.appending("orders.created")))
        #expect((#expect(throws: LogError.self) { try store.deleteLog(named: "nope") })?.code == .notFound)
        try store.close()
        #expect(Files.exists(dir.appending(LogFileNames.cleanShutdownMarker)))
        let reopened = try DiskLogStore(directory: dir.path)
        #expect(reopened.logNames() == ["$dead-letter.orders"])
        #expect(reopened.log(named: "$dead-letter.orders")?.configuration.compression == .lz4)
        #expect(!Files.exists(dir.appending(LogFileNames.cleanShutdownMarker)))
        try reopened.close()
    }

    @Test func deleteThenRecreateStartsEmptyAndLeftoversAreCleaned() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "again", configuration: testConfiguration())
            _ = try await log.append([record("old")])
            // A completion that calls back into the store while the log is being deleted must not deadlock.
            log.append([record("racing")]) { _ in _ = store.logNames() }
            try store.deleteLog(named: "again")
            let fresh = try store.createLog(named: "again", configuration: testConfiguration())
            #expect(fresh.endOffset == 0)
            #expect(try readAll(fresh).isEmpty)
            try store.close()
            Files.write(dir.appending(".deleting-7-x") , [], at: 0)
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(!Files.exists(dir.appending(".deleting-7-x")))
            #expect(reopened.logNames() == ["again"])
            try reopened.close()
        }
    }

    @Test(arguments: ["", ".", "a..b", "a.", ".a", "a b", "a/b", "..", "é", "a*", "$", String(repeating: "x", count: 250)])
    func rejectsInvalidNames(name: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try DiskLogStore(directory: dir.path)
        let error = #expect(throws: LogError.self) { try store.createLog(named: name, configuration: .init()) }
        #expect(error?.code == .invalidName)
        try store.close()
    }

    @Test func aDirectoryIsOpenedByOneStoreAtATime() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try DiskLogStore(directory: dir.path)
        let error = #expect(throws: LogError.self) { try DiskLogStore(directory: dir.path) }
        #expect(error?.code == .io)
        try store.close()
        let next = try DiskLogStore(directory: dir.path)
        try next.close()
    }

    @Test func configFileInTheDocumentedFormatIsReadWithDefaults() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let topic = dir.appending("orders")
        let json = #"{"compression":"lz4","fsync":{"interval":{"milliseconds":5}},"retentionMilliseconds":null}"#
        #expect(mkdir(topic, 0o755) == 0)
        Files.write(topic + "/" + LogFileNames.configFile, Array(json.utf8), at: 0)
        let store = try DiskLogStore(directory: dir.path)
        let config = try #require(store.log(named: "orders")?.configuration)
        var expected = LogConfiguration()
        expected.compression = .lz4
        expected.fsync = .interval(milliseconds: 5)
        expected.retentionMilliseconds = nil
        #expect(config == expected)
        try store.close()
    }

    @Test func reconfigureIsStoredAndInvalidValuesRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try DiskLogStore(directory: dir.path)
        let log = try store.createLog(named: "c", configuration: testConfiguration())
        var config = log.configuration
        config.retentionBytes = 1 << 30
        config.fsync = .interval(milliseconds: 50)
        try log.reconfigure(config)
        var bad = config
        bad.segmentBytes = 10
        #expect((#expect(throws: LogError.self) { try log.reconfigure(bad) })?.code == .invalidConfiguration)
        try store.close()
        let reopened = try DiskLogStore(directory: dir.path)
        #expect(reopened.log(named: "c")?.configuration == config)
        try reopened.close()
    }

    @Test func oversizedAppendIsRejected() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            var config = testConfiguration()
            config.maxBatchBytes = 4096
            config.maxPendingBytes = 4096
            let log = try store.createLog(named: "small", configuration: config)
            let error = await #expect(throws: LogError.self) {
                try await log.append([Record(value: ByteBuffer(repeating: 1, count: 5000))])
            }
            #expect(error?.code == .recordTooLarge)
            #expect(try await log.append([record("fits")]).baseOffset == 0)
            try store.close()
        }
    }

    @Test func fullQueueRejectsAppendsWithOverloaded() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            var config = testConfiguration()
            config.maxBatchBytes = 4096
            config.maxPendingBytes = 4096
            let log = try store.createLog(named: "q", configuration: config)
            let release = await holdWriter(log, appending: record("first"))
            // While the writer is held, only a rejection can complete an append, and it does so at once.
            let rejection = Mutex<LogError?>(nil)
            var accepted = 0
            while rejection.withLock({ $0 }) == nil, accepted < 1000 {
                log.append([record(String(repeating: "q", count: 100))]) { result in
                    if case .failure(let error as LogError) = result { rejection.withLock { $0 = error } }
                }
                if rejection.withLock({ $0 }) == nil { accepted += 1 }
            }
            let code = rejection.withLock { $0?.code }
            #expect(code == .overloaded)
            #expect(accepted > 10 && accepted < 100)
            release.signal()
            // Once the queued appends are written, the queue has room again.
            await withCheckedContinuation { c in log.notifyWhenReadable(beyond: Int64(accepted)) { c.resume() } }
            #expect(try await log.append([record("after")]).baseOffset == Int64(accepted + 1))
            try store.close()
        }
    }

    @Test func intervalPolicyAppendsAreReadableAndNotDurable() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "iv", configuration: testConfiguration(fsync: .interval(milliseconds: 5)))
            let result = try await log.append([record("x")])
            #expect(!result.durable)
            #expect(log.endOffset == 1)
            try store.close()
        }
    }
}
