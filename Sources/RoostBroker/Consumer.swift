import Atomics
import CoreMetrics
import Dispatch
import Logging
import NIOConcurrencyHelpers
import RoostStorage

/// The broker-side state of a subscription (ephemeral) or of a durable consumer, and its delivery pump.
///
/// Concurrency: `state` (one lock) owns the cursors, members and credits. Delivery steps run only while holding
/// the pump (`pumpScheduled`, taken and given up under the lock), so a consumer never delivers concurrently with
/// itself: in `pump()` on `queue`, one of the broker's serial reader queues (shared by many consumers; no queue of
/// its own, which would cost memory per subscription), or, for live messages, briefly on the appending thread.
/// Log reads run on the reader queues only, off the callers' threads. Acks, credit and wake-ups only take the lock
/// briefly and schedule the pump. Sinks and the log are called without the lock.
final class Consumer: LiveListener {
    /// The part of a consumer's settings that every member shares and that is stored.
    struct Settings: Sendable, Hashable, Codable {
        var filter: String
        var ackPolicy: AckPolicy
        var ackWaitMilliseconds: Int64
        var maxDeliveries: Int?
    }

    /// Where the consumer reports what the broker must do for it.
    struct Hooks: Sendable {
        /// Messages given up on (max deliveries, terminated): publish them to the dead-letter topic, then call
        /// `deadLettered(topic:offset:)` (or `deadLetterFailed`).
        var deadLetter: @Sendable (Consumer, [DeadLetter]) -> Void
        /// The stored part of the state changed (durable consumers): persist it soon.
        var changed: @Sendable (Consumer) -> Void
    }

    /// What every consumer of one broker uses the same of: held once by the broker, not copied into each consumer
    /// (an ephemeral consumer exists per subscription, and idle subscriptions are counted in bytes, issue 4).
    final class Environment: Sendable {
        let fanOut: any LiveFanOut
        let clock: any WallClock
        let limits: BrokerConfiguration
        let logger: Logger
        let counters: BrokerCounters

        init(fanOut: any LiveFanOut, clock: any WallClock, limits: BrokerConfiguration, logger: Logger, counters: BrokerCounters) {
            self.fanOut = fanOut
            self.clock = clock
            self.limits = limits
            self.logger = logger
            self.counters = counters
        }
    }

    let name: String
    let durable: Bool
    let settings: Settings
    let queue: DispatchQueue
    let environment: Environment
    let hooks: Hooks
    let metrics: ConsumerMetrics
    var fanOut: any LiveFanOut { environment.fanOut }
    var clock: any WallClock { environment.clock }
    var limits: BrokerConfiguration { environment.limits }
    var logger: Logger { environment.logger }
    var counters: BrokerCounters { environment.counters }
    /// Set when the consumer is deleted, so that a flush in progress does not write it again.
    let deleted = ManagedAtomic(false)
    let state: NIOLockedValueBox<ConsumerState>

    init(
        name: String, durable: Bool, settings: Settings, queue: DispatchQueue, environment: Environment, hooks: Hooks,
        metrics: ConsumerMetrics
    ) {
        self.name = name
        self.durable = durable
        self.settings = settings
        self.queue = queue
        self.environment = environment
        self.hooks = hooks
        self.metrics = metrics
        self.state = NIOLockedValueBox(ConsumerState(settings: settings))
    }

    // MARK: Wake-ups

    /// Called on the appending thread. When no pump runs, the new messages go to the sinks from here (one thread
    /// hop less per live delivery): a consumer at the tail with credit takes them from the tail cache, which is
    /// memory work only. A log read, or more rounds than a few, go to the consumer's queue as usual.
    func messagesAvailable(topic: String) {
        guard claimPump() else { return }
        for _ in 0..<4 {
            let (progressed, needsRead) = step(readLog: false)
            if needsRead { break }
            if !keepPump(progressed: progressed) { return }
        }
        queue.async { self.pump() }
    }

    /// Schedules the pump, or asks the running one to go round again. Never loses a wake-up: the pump
    /// clears `pumpScheduled` under the same lock after checking `pumpAgain`.
    func wake() {
        if claimPump() { queue.async { self.pump() } }
    }

    /// Takes the right to run delivery steps (`pumpScheduled`), or asks its holder to go round again.
    private func claimPump() -> Bool {
        state.withLockedValue { state in
            if state.pumpScheduled {
                state.pumpAgain = true
                return false
            }
            state.pumpScheduled = true
            return true
        }
    }

    /// Whether the holder of the pump must go round again; if not, gives the pump up under the same lock.
    private func keepPump(progressed: Bool) -> Bool {
        state.withLockedValue { state in
            if state.pumpAgain || progressed {
                state.pumpAgain = false
                return true
            }
            state.pumpScheduled = false
            return false
        }
    }

    /// Runs delivery steps while they make progress or were asked for, then yields the queue after a bounded
    /// number of rounds so consumers sharing a reader queue take turns.
    private func pump() {
        for _ in 0..<64 {
            let progressed = step(readLog: true).progressed
            if !keepPump(progressed: progressed) { return }
        }
        queue.async { self.pump() }
    }

    /// One round: redeliveries and fresh messages from memory under the lock, then at most one log read (or, without
    /// `readLog`, `needsRead` when one is due).
    private func step(readLog: Bool) -> (progressed: Bool, needsRead: Bool) {
        let now = clock.nowMilliseconds()
        var outbox = state.withLockedValue { $0.plan(now: now, fanOut: fanOut, limits: limits) }
        outbox.send(metrics: metrics, counters: counters)
        if !outbox.deadLetters.isEmpty { hooks.deadLetter(self, outbox.deadLetters) }
        if outbox.changed, durable { hooks.changed(self) }
        guard let read = outbox.read else { return (outbox.progressed, false) }
        guard readLog else { return (outbox.progressed, true) }

        if read.readAhead {
            try? read.topic.readCache.readAhead(read.topic, chunk: read.from, maxBytes: limits.readBatchBytes)
            return (outbox.progressed, false)
        }
        let messages: [Message]
        do {
            let alone = fanOut.listenerCount(topic: read.topic.name).map { $0 <= 1 } ?? false
            messages = try read.topic.readCache.read(
                read.topic, from: read.from, maxMessages: read.maxMessages, maxBytes: limits.readBatchBytes, alone: alone)
        } catch let error as LogError where error.code == .offsetOutOfRange {
            let start = error.earliestOffset ?? read.topic.log.startOffset
            state.withLockedValue { $0.cursors[read.topic.name]?.skipDeleted(startOffset: start) }
            return (true, false)
        } catch let error as LogError where error.code == .corrupt && error.damagedOffsets != nil {
            skipDamaged(error, topic: read.topic.name)
            return (true, false)
        } catch {
            logger.error("consumer read failed", metadata: ["consumer": "\(name)", "topic": "\(read.topic.name)", "error": "\(error)"])
            state.withLockedValue { $0.readFailed = true }
            return (outbox.progressed, false)
        }
        var fresh = state.withLockedValue { state in
            state.assignFresh(topic: read.topic.name, messages: messages, fromLog: true, now: now, limits: limits)
        }
        fresh.send(metrics: metrics, counters: counters)
        if fresh.changed, durable { hooks.changed(self) }
        return (outbox.progressed || fresh.progressed, false)
    }
}

extension Consumer {
    /// Steps over offsets the log reports damaged on disk, so that the subscription goes on with the intact
    /// messages after them instead of retrying the same read forever; logs, counts, and tells every member.
    private func skipDamaged(_ error: LogError, topic: String) {
        guard let offsets = error.damagedOffsets else { return }
        let sinks = state.withLockedValue { state -> [any DeliverySink] in
            guard let cursor = state.cursors[topic], cursor.nextOffset < offsets.upperBound else { return [] }
            state.cursors[topic]?.skipDamaged(offsets)
            return state.memberOrder.compactMap { state.members[$0]?.sink }
        }
        guard !sinks.isEmpty else { return }
        logger.error("skipping messages damaged on disk", metadata: [
            "consumer": "\(name)", "topic": "\(topic)",
            "offsets": "\(offsets.lowerBound)..<\(offsets.upperBound)", "error": "\(error.message)"])
        metrics.damagedSkipped.increment(by: offsets.count)
        if durable { hooks.changed(self) }
        for sink in sinks { sink.skippedDamaged(topic: topic, offsets: offsets) }
    }
}

extension Consumer: Hashable {
    static func == (lhs: Consumer, rhs: Consumer) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
