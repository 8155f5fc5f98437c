import NIOCore
import RoostProtocol

/// The publishing side of `roost bench pub` and `roost bench e2e`.
enum BenchPublishers {
    /// Opens the publishing connections; each frame carries `batch` messages (a `publish_batch` when > 1).
    static func open(
        _ options: LoadOptions, stamp: Bool, counters: LoadCounters, batch: Int = 1
    ) async throws -> [LoadRun.Handle<PublishDriver>] {
        let template = try PublishTemplate(
            topic: options.topic, size: options.size, encoding: options.wireEncoding, dedup: options.dedup, batch: batch)
        let ratePerConnection = Double(options.rate) / Double(options.connections)
        var handles: [LoadRun.Handle<PublishDriver>] = []
        for _ in 0..<options.connections {
            handles.append(try await LoadRun.open(
                options,
                make: { PublishDriver(connection: $0, template: template, window: options.window, rate: ratePerConnection, stamp: stamp, counters: counters) },
                received: { $0.received($1) }, readComplete: { $0.readComplete() }))
        }
        return handles
    }

    static func start(_ handles: [LoadRun.Handle<PublishDriver>]) async throws {
        for handle in handles { try await handle.run { $0.start() } }
    }

    /// Stops sending and waits (at most 10 s) for outstanding confirms; returns the merged latency and the
    /// time of the last confirm.
    static func stop(_ handles: [LoadRun.Handle<PublishDriver>]) async throws -> (LatencyHistogram, UInt64) {
        for handle in handles {
            try await handle.runFuture { driver in
                let loop = driver.eventLoopForTimeout
                let timeout = loop.makePromise(of: Void.self)
                loop.scheduleTask(in: .seconds(10)) { timeout.succeed() }
                driver.stop().cascade(to: timeout)
                return timeout.futureResult
            }
        }
        var histogram = LatencyHistogram()
        var last: UInt64 = 0
        for handle in handles {
            let (h, l) = try await handle.run { ($0.histogram, $0.lastConfirmNanos) }
            histogram.merge(h)
            last = max(last, l)
        }
        return (histogram, last)
    }
}
