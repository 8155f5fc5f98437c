import Atomics
import CoreMetrics
import Dispatch
import Logging
import NIOConcurrencyHelpers
import RoostStorage

/// The broker-side state of a subscription (ephemeral) or of a durable consumer, and its delivery pump.
///
/// Concurrency: `state` (one lock) owns the cursors, members and credits. All delivery work runs in
/// `pump()` on `queue`, a serial queue targeting one of the broker's reader queues, so a consumer never
/// delivers concurrently with itself and its log reads stay off the callers' threads. Acks, credit and
/// wake-ups only take the lock briefly and schedule the pump. Sinks and the log are called without the lock.
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

    let name: String
    let durable: Bool
    let settings: Settings
    let queue: DispatchQueue
    let fanOut: any LiveFanOut
    let clock: any WallClock
    let limits: BrokerConfiguration
    let hooks: Hooks
    let logger: Logger
    let metrics: ConsumerMetrics
    let counters: BrokerCounters
    /// Set when the consumer is deleted, so that a flush in progress does not write it again.
    let deleted = ManagedAtomic(false)
    let state: NIOLockedValueBox<ConsumerState>

    init(
        name: String, durable: Bool, settings: Settings, queue: DispatchQueue, fanOut: any LiveFanOut,
        clock: any WallClock, limits: BrokerConfiguration, hooks: Hooks, logger: Logger, counters: BrokerCounters
    ) {
        self.counters = counters
        self.name = name
        self.durable = durable
        self.settings = settings
        self.queue = DispatchQueue(label: "roost.consumer.\(name)", target: queue)
        self.fanOut = fanOut
        self.clock = clock
        self.limits = limits
        self.hooks = hooks
        self.logger = logger
        self.metrics = ConsumerMetrics(consumer: name)
        self.state = NIOLockedValueBox(ConsumerState(settings: settings))
    }

    // MARK: Wake-ups

    func messagesAvailable(topic: String) { wake() }

    /// Schedules the pump, or asks the running one to go round again. Never loses a wake-up: the pump
    /// clears `pumpScheduled` under the same lock after checking `pumpAgain`.
    func wake() {
        let schedule = state.withLockedValue { state in
            if state.pumpScheduled {
                state.pumpAgain = true
                return false
            }
            state.pumpScheduled = true
            return true
        }
        if schedule { queue.async { self.pump() } }
    }

    /// Runs delivery steps while they make progress or were asked for, then yields the queue after a bounded
    /// number of rounds so consumers sharing a reader queue take turns.
    private func pump() {
        for _ in 0..<64 {
            let progressed = step()
            let again = state.withLockedValue { state in
                if state.pumpAgain || progressed {
                    state.pumpAgain = false
                    return true
                }
                state.pumpScheduled = false
                return false
            }
            if !again { return }
        }
        queue.async { self.pump() }
    }

    /// One round: redeliveries and fresh messages from memory under the lock, then at most one log read.
    private func step() -> Bool {
        let now = clock.nowMilliseconds()
        var outbox = state.withLockedValue { $0.plan(now: now, fanOut: fanOut, limits: limits) }
        outbox.send(metrics: metrics, counters: counters)
        if !outbox.deadLetters.isEmpty { hooks.deadLetter(self, outbox.deadLetters) }
        if outbox.changed, durable { hooks.changed(self) }
        guard let read = outbox.read else { return outbox.progressed }

        let records: [StoredRecord]
        do {
            records = try read.topic.log.read(from: read.from, maxRecords: read.maxMessages, maxBytes: limits.readBatchBytes).records
        } catch let error as LogError where error.code == .offsetOutOfRange {
            let start = error.earliestOffset ?? read.topic.log.startOffset
            state.withLockedValue { $0.cursors[read.topic.name]?.skipDeleted(startOffset: start) }
            return true
        } catch {
            logger.error("consumer read failed", metadata: ["consumer": "\(name)", "topic": "\(read.topic.name)", "error": "\(error)"])
            return outbox.progressed
        }
        let messages = records.map { Message(topic: read.topic.name, record: $0) }
        var fresh = state.withLockedValue { state in
            state.assignFresh(topic: read.topic.name, messages: messages, fromLog: true, now: now, limits: limits)
        }
        fresh.send(metrics: metrics, counters: counters)
        if fresh.changed, durable { hooks.changed(self) }
        return outbox.progressed || fresh.progressed
    }
}

extension Consumer: Hashable {
    static func == (lhs: Consumer, rhs: Consumer) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
