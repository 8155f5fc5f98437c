import NIOCore
import RoostClient
import RoostProtocol

/// Drives one subscribing connection on its event loop: subscribes with batched delivery, counts
/// messages and bytes, grants credit once per read batch, and records publish-to-deliver latency from the
/// timestamps publishers stamped into the payloads.
final class SubscribeDriver {
    private let connection: WebSocketConnection
    private let codec: any FrameCodec
    private let window: Int
    private let counters: LoadCounters
    private let measureLatency: Bool
    private var sub: String?
    private var consumedSinceCredit = 0
    private var receivedDelta = 0
    private var bytesDelta = 0
    private var masks = SystemRandomNumberGenerator()
    private var subscribed: EventLoopPromise<Void>?
    private var waitForCaughtUp = true
    private(set) var histogram = LatencyHistogram()
    private(set) var lastMessageNanos: UInt64 = 0

    init(connection: WebSocketConnection, window: Int, measureLatency: Bool, counters: LoadCounters) {
        self.connection = connection
        self.codec = connection.encoding.codec
        self.window = window
        self.measureLatency = measureLatency
        self.counters = counters
    }

    /// Subscribes; the future completes when the broker confirmed the subscription, or, with
    /// `waitForCaughtUp`, once it is live (caught up) on the topic.
    func subscribe(topic: String, from: StartPosition, waitForCaughtUp: Bool) -> EventLoopFuture<Void> {
        let promise = connection.eventLoop.makePromise(of: Void.self)
        subscribed = promise
        self.waitForCaughtUp = waitForCaughtUp
        send(.subscribe(SubscribeFrame(
            id: RequestID("s"), topic: topic, from: from, ack: AckPolicy.none, maxInflight: UInt32(clamping: window), batch: 64)))
        return promise.futureResult
    }

    func received(_ message: ByteBuffer) {
        guard let frame = try? codec.decodeServerFrame(message) else {
            counters.add(errors: 1)
            return
        }
        switch frame {
        case .ok(let ok):
            sub = ok.sub
            if !waitForCaughtUp, let subscribed {
                self.subscribed = nil
                subscribed.succeed()
            }
        case .caughtUp:
            if let subscribed {
                self.subscribed = nil
                subscribed.succeed()
            }
        case .message(let m):
            take(m.message)
        case .messages(let m):
            for message in m.messages { take(message) }
        case .error(let e):
            counters.add(errors: 1)
            if let subscribed {
                self.subscribed = nil
                subscribed.fail(CLIError(.generic, "subscribe failed: \(e.code): \(e.message)"))
            }
        }
    }

    private func take(_ message: DeliveredMessage) {
        let now = PublishDriver.now
        receivedDelta += 1
        bytesDelta += message.payload.readableBytes
        consumedSinceCredit += 1
        lastMessageNanos = now
        if measureLatency, let sent = PublishTemplate.readStamp(message.payload), sent <= now {
            histogram.record(now - sent)
        }
    }

    func readComplete() {
        if let sub, consumedSinceCredit >= max(1, window / 2) {
            send(.credit(CreditFrame(sub: sub, n: UInt32(clamping: consumedSinceCredit))))
            consumedSinceCredit = 0
        }
        if receivedDelta > 0 {
            counters.add(received: receivedDelta, receivedBytes: bytesDelta)
            receivedDelta = 0
            bytesDelta = 0
        }
    }

    private func send(_ frame: ClientFrame) {
        var encoded = ByteBuffer()
        codec.encode(frame, into: &encoded)
        let key = (0..<4).map { _ in UInt8.random(in: 0...255, using: &masks) }
        connection.writeRawOnLoop([WebSocketFraming.maskedFrame(payload: encoded, binary: connection.encoding == .binary, maskKey: key).frame])
    }
}
