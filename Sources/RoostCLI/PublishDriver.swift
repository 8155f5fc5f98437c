import NIOCore
import RoostClient
import RoostProtocol

/// Drives one publishing connection on its event loop: keeps `window` messages in pre-encoded frames in
/// flight (optionally paced to a rate), refills once per read batch with one flush, and records the
/// publish-to-confirm latency of each frame (confirms arrive in publish order). A frame carries
/// `template.messages` messages (`--batch`); counts are in messages.
final class PublishDriver {
    private let connection: WebSocketConnection
    private let template: PublishTemplate
    /// Frames in flight at most: the window in messages over the messages per frame.
    private let window: Int
    private let perFrame: Int
    private let nanosPerFrame: Double
    private let stamp: Bool
    private let counters: LoadCounters
    private var sendTimes: [UInt64]
    private var head = 0
    private var inFlight = 0
    private var startNanos: UInt64 = 0
    /// Frames sent.
    private var sentTotal = 0
    private var sentDelta = 0
    private var confirmedDelta = 0
    private var errorsDelta = 0
    private var timerScheduled = false
    private var stopped = false
    private var drained: EventLoopPromise<Void>?
    private(set) var histogram = LatencyHistogram()
    private(set) var lastConfirmNanos: UInt64 = 0

    init(connection: WebSocketConnection, template: PublishTemplate, window: Int, rate: Double, stamp: Bool, counters: LoadCounters) {
        self.connection = connection
        self.template = template
        self.perFrame = template.messages
        self.window = max(1, window / template.messages)
        self.nanosPerFrame = rate > 0 ? 1e9 * Double(template.messages) / rate : 0
        self.stamp = stamp
        self.counters = counters
        self.sendTimes = [UInt64](repeating: 0, count: self.window)
    }

    /// The connection's event loop.
    var eventLoopForTimeout: any EventLoop { connection.eventLoop }

    static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    func start() {
        startNanos = Self.now
        refill()
    }

    /// Stops sending; the future completes once every publish in flight is confirmed.
    func stop() -> EventLoopFuture<Void> {
        stopped = true
        let promise = connection.eventLoop.makePromise(of: Void.self)
        if inFlight == 0 { promise.succeed() } else { drained = promise }
        return promise.futureResult
    }

    func received(_ message: ByteBuffer) {
        let isOK: Bool
        if connection.encoding == .binary {
            isOK = message.getInteger(at: message.readerIndex, as: UInt8.self) == 0x81
        } else {
            isOK = message.readableBytesView.starts(with: #"{"op":"ok""#.utf8)
        }
        let now = Self.now
        if inFlight > 0 {
            histogram.record(now &- sendTimes[head])
            head = head + 1 == window ? 0 : head + 1
            inFlight -= 1
        }
        if isOK { confirmedDelta += perFrame } else { errorsDelta += perFrame }
        lastConfirmNanos = now
    }

    func readComplete() {
        refill()
        report()
        if stopped, inFlight == 0, let drained {
            self.drained = nil
            drained.succeed()
        }
    }

    private func report() {
        guard sentDelta + confirmedDelta + errorsDelta > 0 else { return }
        counters.add(sent: sentDelta, confirmed: confirmedDelta, errors: errorsDelta)
        sentDelta = 0
        confirmedDelta = 0
        errorsDelta = 0
    }

    private func refill() {
        guard !stopped else { return }
        var allowed = window - inFlight
        let now = Self.now
        if nanosPerFrame > 0 {
            let due = Int(Double(now - startNanos) / nanosPerFrame) + 1 - sentTotal
            allowed = min(allowed, due)
            scheduleTimer()
        }
        guard allowed > 0 else { return }
        var frames: [ByteBuffer] = []
        frames.reserveCapacity(allowed)
        for _ in 0..<allowed {
            if stamp || template.variesPerMessage {
                frames.append(template.stamped(stamp ? now : nil, sequence: UInt64((sentTotal + frames.count) * perFrame)))
            } else {
                frames.append(template.frame)
            }
            var slot = head + inFlight
            if slot >= window { slot -= window }
            sendTimes[slot] = now
            inFlight += 1
        }
        sentTotal += allowed
        sentDelta += allowed * perFrame
        connection.writeRawOnLoop(frames)
    }

    private func scheduleTimer() {
        guard !timerScheduled, !stopped else { return }
        timerScheduled = true
        let this = NIOLoopBound(self, eventLoop: connection.eventLoop)
        connection.eventLoop.scheduleTask(in: .microseconds(200)) {
            this.value.timerScheduled = false
            this.value.refill()
            this.value.report()
        }
    }
}
