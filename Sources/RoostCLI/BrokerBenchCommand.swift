import ArgumentParser
import Logging
import NIOCore
import RoostBroker
import RoostStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `roost bench broker`: in-process measurements of the broker core (no network): live fan-out and
/// catch-up of a durable consumer from the log.
struct BrokerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Measure the broker core in process: fan-out to many subscribers, catch-up from the log.",
        subcommands: [Fanout.self, Catchup.self]
    )

    /// Options both benchmarks share.
    struct Common: ParsableArguments {
        @Option(help: "Log store: disk (the default, in a temporary directory unless --directory) or memory.")
        var store: String = "disk"
        @Option(help: "Directory for the disk store and broker state (default: a new temporary directory, removed after).")
        var directory: String?
        @Option(help: "Payload bytes per message.")
        var size: Int = 128
        @Option(help: "Messages per publish call.")
        var batch: Int = 1_000
        @Option(help: "fsync policy of the topic: always, never.")
        var fsync: String = "always"
        @Option(help: "Compression of the topic: none, lz4.")
        var compression: String = "none"
    }

    /// `roost bench broker fanout`: 1 publisher, N subscribers at the tail.
    struct Fanout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "1 publisher to N live subscribers; reports deliveries per second.")

        @OptionGroup var common: Common
        @Option(help: "Subscribers (ephemeral, ack none, credit granted back as batches arrive).")
        var subscribers: Int = 100
        @Option(help: "Messages published.")
        var messages: Int = 200_000
        @Option(help: "Publish calls in flight at once.")
        var pipeline: Int = 8
        @Option(help: "Credit window per subscriber.")
        var window: Int = 10_000
        @Option(help: "Hold the publisher back while subscribers are on average more than this many messages behind (0: never), so that they stay at the live tail instead of catching up from the log.")
        var maxLag: Int = 0

        func run() async throws {
            let bench = try BrokerBench(common)
            defer { bench.close() }
            try bench.broker.createTopic("bench.fanout", configuration: bench.topicConfiguration)
            let done = CountdownSignal(target: messages * subscribers)
            var subscriptions: [Subscription] = []
            for _ in 0..<subscribers {
                let sink = BenchSink(done: done)
                let subscription = try bench.broker.subscribe(SubscriptionRequest(filter: "bench.fanout", start: .latest, maxInFlight: window), sink: sink)
                sink.attach(subscription)
                subscriptions.append(subscription)
            }
            let start = BenchClock.now()
            let cpuStart = BenchClock.cpu()
            let subscriberCount = subscribers
            let lag = maxLag
            try await bench.publish(topic: "bench.fanout", count: messages, pipeline: pipeline) { sent in
                if lag > 0 { await done.wait(for: max(0, sent - lag) * subscriberCount) }
            }
            let published = BenchClock.now()
            await done.wait()
            let elapsed = BenchClock.now() - start
            let cpu = BenchClock.cpu() - cpuStart
            for subscription in subscriptions { subscription.close() }
            let deliveries = Double(messages * subscribers)
            print("fanout: \(messages) messages x \(subscribers) subscribers, \(common.size) B, batch \(common.batch), store \(common.store), fsync \(common.fsync), max lag \(maxLag)")
            print("  publish   \(BenchClock.rate(Double(messages), published - start)) msgs/s (\(BenchClock.seconds(published - start)) s)")
            print("  delivered \(BenchClock.rate(deliveries, elapsed)) deliveries/s (\(BenchClock.seconds(elapsed)) s to the last delivery)")
            print("  cost      \(BenchClock.rate(deliveries, cpu)) deliveries per CPU-second (\(BenchClock.seconds(cpu)) CPU-s, publisher and log included)")
        }
    }

    /// `roost bench broker catchup`: a durable consumer reading a stored backlog.
    struct Catchup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A durable consumer catches up over stored messages; reports messages per second.")

        @OptionGroup var common: Common
        @Option(help: "Messages stored before the consumer starts.")
        var messages: Int = 1_000_000
        @Option(help: "Credit window of the consumer.")
        var window: Int = 10_000
        @Option(help: "Ack policy: none (credit) or explicit (cumulative ack per batch).")
        var ack: String = "none"

        func run() async throws {
            var bench = try BrokerBench(common)
            defer { bench.close() }
            try bench.broker.createTopic("bench.catchup", configuration: bench.topicConfiguration)
            let fillStart = BenchClock.now()
            try await bench.publish(topic: "bench.catchup", count: messages, pipeline: 8)
            let filled = BenchClock.now() - fillStart
            // Reopen, so that nothing is left in the fan-out's memory: every message comes from the log.
            try bench.reopen()
            let done = CountdownSignal(target: messages)
            let explicit = ack == "explicit"
            let sink = BenchSink(done: done, cumulativeAck: explicit)
            let request = SubscriptionRequest(
                filter: "bench.catchup", consumer: "bench", start: .earliest, ackPolicy: explicit ? .explicit : .none, maxInFlight: window)
            let start = BenchClock.now()
            let cpuStart = BenchClock.cpu()
            let subscription = try bench.broker.subscribe(request, sink: sink)
            sink.attach(subscription)
            await done.wait()
            let elapsed = BenchClock.now() - start
            let cpu = BenchClock.cpu() - cpuStart
            subscription.close()
            print("catchup: \(messages) messages, \(common.size) B, compression \(common.compression), store \(common.store), ack \(ack)")
            print("  fill      \(BenchClock.rate(Double(messages), filled)) msgs/s (\(BenchClock.seconds(filled)) s)")
            print("  catch-up  \(BenchClock.rate(Double(messages), elapsed)) msgs/s (\(BenchClock.seconds(elapsed)) s)")
            print("  cost      \(BenchClock.rate(Double(messages), cpu)) msgs per CPU-second (\(BenchClock.seconds(cpu)) CPU-s, log reads included)")
        }
    }
}

/// A broker over a fresh store for one benchmark run.
struct BrokerBench {
    let common: BrokerBenchCommand.Common
    let directory: String
    let removeDirectory: Bool
    var store: any LogStore
    var broker: Broker
    let topicConfiguration: LogConfiguration

    init(_ common: BrokerBenchCommand.Common) throws {
        self.common = common
        if let directory = common.directory {
            self.directory = directory
            removeDirectory = false
        } else {
            var template = Array("/tmp/roost-bench.XXXXXX".utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                throw ValidationError("cannot create a temporary directory")
            }
            directory = String(cString: made)
            removeDirectory = true
        }
        guard let codec = CompressionCodec(rawValue: common.compression) else { throw ValidationError("--compression is none or lz4") }
        let fsync: FsyncPolicy
        switch common.fsync {
        case "always": fsync = .always
        case "never": fsync = .never
        default: throw ValidationError("--fsync is always or never")
        }
        topicConfiguration = LogConfiguration(retentionMilliseconds: nil, compression: codec, fsync: fsync)
        (store, broker) = try Self.open(common, directory)
    }

    private static func open(_ common: BrokerBenchCommand.Common, _ directory: String) throws -> (any LogStore, Broker) {
        var logger = Logger(label: "roost.bench")
        logger.logLevel = .warning
        let store: any LogStore
        switch common.store {
        case "disk": store = try DiskLogStore(directory: directory + "/logs", logger: logger)
        case "memory": store = InMemoryLogStore(maxBytesPerLog: 8 << 30)
        default: throw ValidationError("--store is disk or memory")
        }
        let broker = try Broker(configuration: .init(maxBatchMessages: 100_000), store: store, stateDirectory: directory + "/state", logger: logger)
        return (store, broker)
    }

    /// Shuts the broker down and opens it again on the same directory (the memory store cannot be reopened:
    /// a new broker over the same store object stands in for it).
    mutating func reopen() throws {
        if common.store == "memory" {
            broker = try Broker(configuration: .init(maxBatchMessages: 100_000), store: store, stateDirectory: directory + "/state-2")
            return
        }
        try broker.shutdown()
        (store, broker) = try Self.open(common, directory)
    }

    /// Publishes `count` messages of `common.size` bytes in batches, `pipeline` calls in flight; `beforeBatch`
    /// gets the number sent so far and may hold the publisher back.
    func publish(topic: String, count: Int, pipeline: Int, beforeBatch: (Int) async -> Void = { _ in }) async throws {
        let payload = ByteBuffer(repeating: 0x61, count: common.size)
        let batch = Array(repeating: PublishMessage(payload: payload), count: common.batch)
        let broker = self.broker
        try await withThrowingTaskGroup(of: Void.self) { group in
            var sent = 0
            var inFlight = 0
            while sent < count {
                if inFlight == pipeline {
                    try await group.next()
                    inFlight -= 1
                }
                await beforeBatch(sent)
                let size = min(common.batch, count - sent)
                let messages = size == batch.count ? batch : Array(batch.prefix(size))
                group.addTask { _ = try await broker.publish(topic: topic, messages: messages) }
                sent += size
                inFlight += 1
            }
            try await group.waitForAll()
        }
    }

    func close() {
        try? broker.shutdown()
        if removeDirectory { _ = try? removeTree(directory) }
    }

    private func removeTree(_ path: String) throws {
        guard let dir = opendir(path) else { return }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) { try removeTree(child) } else { unlink(child) }
        }
        closedir(dir)
        rmdir(path)
    }
}

/// Counts deliveries and gives credit back (ack none) or acks cumulatively (explicit) per batch.
final class BenchSink: DeliverySink {
    private let done: CountdownSignal
    private let cumulativeAck: Bool
    /// The subscription, and credit owed from batches that arrived before it was known.
    private let subscription = Mutex<(Subscription?, Int, [(String, Int64)])>((nil, 0, []))

    init(done: CountdownSignal, cumulativeAck: Bool = false) {
        self.done = done
        self.cumulativeAck = cumulativeAck
    }

    func attach(_ subscription: Subscription) {
        let (owed, acks) = self.subscription.withLock { state in
            state.0 = subscription
            defer { state.1 = 0; state.2 = [] }
            return (state.1, state.2)
        }
        settle(subscription, credit: owed, acks: acks)
    }

    func deliver(_ deliveries: DeliveryBatch) {
        guard let last = deliveries.last else { return }
        let target = subscription.withLock { state -> Subscription? in
            if state.0 == nil {
                state.1 += deliveries.count
                state.2.append((last.topic, last.offset))
            }
            return state.0
        }
        if let target { settle(target, credit: deliveries.count, acks: [(last.topic, last.offset)]) }
        done.add(deliveries.count)
    }

    private func settle(_ subscription: Subscription, credit: Int, acks: [(String, Int64)]) {
        if cumulativeAck {
            for (topic, offset) in acks { try? subscription.ackCumulative(topic: topic, upTo: offset) }
        } else if credit > 0 {
            subscription.grantCredit(credit)
        }
    }

    func caughtUp(topic: String, offset: Int64) {}
    func subscriptionClosed(reason: SubscriptionCloseReason) {}
}

/// Counts deliveries; resumes waiters once the count reaches their target.
final class CountdownSignal: Sendable {
    private let state: Mutex<(count: Int, waiters: [(Int, CheckedContinuation<Void, Never>)])>
    private let target: Int

    init(target: Int) {
        self.target = target
        self.state = Mutex((0, []))
    }

    func add(_ n: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count += n
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                if state.count >= waiter.0 { ready.append(waiter.1); return true }
                return false
            }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    /// Waits for the full target.
    func wait() async { await wait(for: target) }

    /// Waits until at least `count` were counted.
    func wait(for count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// Monotonic seconds for timing benchmarks.
enum BenchClock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// CPU seconds (user + system, all threads) used by this process so far: unlike wall-clock rates, what
    /// it gives per message does not depend on what else runs on the machine.
    static func cpu() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// `count / seconds` as a whole number.
    static func rate(_ count: Double, _ seconds: Double) -> Int { seconds > 0 ? Int(count / seconds) : 0 }

    /// Seconds with two decimals.
    static func seconds(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
