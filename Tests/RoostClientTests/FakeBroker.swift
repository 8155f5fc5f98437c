import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOWebSocket
import RoostProtocol
import RoostServer

/// A tiny in-memory broker behind the real WebSocket transport (RoostServer's session seam), enough to
/// test the client's plumbing: confirms, dedup, delivery with credit, durable positions and restarts.
/// Its state outlives server restarts, so a test can stop the server and start another on the same port.
final class FakeBroker: Sendable {
    struct Subscriber {
        var session: WebSocketSession
        var codec: any FrameCodec
        var sub: String
        var topic: String
        var consumer: String?
        var next: Int64
        var credit: Int
    }

    struct State {
        var topics: [String: [DeliveredMessage]] = [:]
        var dedup: [String: Int64] = [:]
        var positions: [String: Int64] = [:]
        var subscribers: [String: Subscriber] = [:]
        /// Every publish request received: whether it was a `publish_batch`, and its payload sizes.
        var frames: [(batch: Bool, sizes: [Int])] = []
        var nextSub = 0
        /// While true, publishes are stored but not confirmed (as if the connection died before the confirm).
        var withholdConfirms = false
        /// While true, publishes are refused with `shutting_down` and not stored (a draining broker).
        var draining = false
    }

    let state = NIOLockedValueBox(State())

    func makeServer(port: Int = 0, tls: ServerTLSConfiguration? = nil) -> RoostServer {
        var configuration = ServerConfiguration()
        configuration.port = port
        configuration.tls = tls
        configuration.shutdownTimeout = .seconds(2)
        // As in LiveBroker: a starved test process may send its upgrade request after the default 10 s.
        configuration.handshakeTimeout = .seconds(600)
        return RoostServer(configuration: configuration) { session in FakeSession(broker: self, session: session) }
    }

    var frames: [(batch: Bool, sizes: [Int])] { state.withLockedValue { $0.frames } }

    func received(_ entries: [PublishEntry], batch: Bool) {
        state.withLockedValue { $0.frames.append((batch, entries.map(\.payload.readableBytes))) }
    }

    func messages(_ topic: String) -> [DeliveredMessage] { state.withLockedValue { $0.topics[topic] ?? [] } }

    func setWithholdConfirms(_ value: Bool) { state.withLockedValue { $0.withholdConfirms = value } }

    func setDraining(_ value: Bool) { state.withLockedValue { $0.draining = value } }
    var isDraining: Bool { state.withLockedValue { $0.draining } }

    /// Stores a publish (once per dedup id) and returns its offset and whether to confirm.
    func store(_ topic: String, _ entry: PublishEntry) -> (Int64, Bool) {
        let (offset, confirm, deliveries) = state.withLockedValue { state -> (Int64, Bool, [(Subscriber, DeliveredMessage)]) in
            if let id = entry.dedupID, let offset = state.dedup[id] { return (offset, !state.withholdConfirms, []) }
            let offset = Int64(state.topics[topic, default: []].count)
            let message = DeliveredMessage(topic: topic, offset: offset, timestamp: 1_700_000_000_000 + offset,
                                           key: entry.key, headers: entry.headers, payload: entry.payload)
            state.topics[topic, default: []].append(message)
            if let id = entry.dedupID { state.dedup[id] = offset }
            return (offset, !state.withholdConfirms, Self.takeDeliverable(&state))
        }
        Self.send(deliveries)
        return (offset, confirm)
    }

    /// Messages each subscriber may receive now (in order, within its credit), advancing positions.
    static func takeDeliverable(_ state: inout State) -> [(Subscriber, DeliveredMessage)] {
        var out: [(Subscriber, DeliveredMessage)] = []
        for (sub, var subscriber) in state.subscribers {
            let log = state.topics[subscriber.topic] ?? []
            while subscriber.credit > 0, subscriber.next < Int64(log.count) {
                out.append((subscriber, log[Int(subscriber.next)]))
                subscriber.next += 1
                subscriber.credit -= 1
            }
            if let consumer = subscriber.consumer { state.positions[consumer] = subscriber.next }
            state.subscribers[sub] = subscriber
        }
        return out
    }

    static func send(_ deliveries: [(Subscriber, DeliveredMessage)]) {
        for (subscriber, message) in deliveries {
            var buffer = ByteBuffer()
            subscriber.codec.encode(.message(MessageFrame(sub: subscriber.sub, message: message)), into: &buffer)
            subscriber.session.send(buffer)
        }
    }
}

/// One connection of the fake broker.
final class FakeSession: WebSocketSessionHandler {
    let broker: FakeBroker
    let codec: any FrameCodec
    var subs: [String] = []

    init(broker: FakeBroker, session: WebSocketSession) {
        self.broker = broker
        self.codec = session.subprotocol == .binary ? BinaryFrameCodec() : JSONFrameCodec()
    }

    func received(message: ByteBuffer, isText: Bool, session: WebSocketSession) {
        let frame: ClientFrame
        do {
            frame = try codec.decodeClientFrame(message)
        } catch {
            return reply(.error(ErrorFrame(error)), session)
        }
        switch frame {
        case .publish(let p):
            broker.received([p.entry], batch: false)
            if broker.isDraining { return reply(.error(ErrorFrame(id: p.id, code: .shuttingDown, message: "draining")), session) }
            let (offset, confirm) = broker.store(p.topic, p.entry)
            if confirm, let id = p.id { reply(.ok(OKFrame(id: id, offset: offset, timestamp: 1, durable: true)), session) }
        case .publishBatch(let b):
            broker.received(b.messages, batch: true)
            var first: Int64 = -1
            var confirm = true
            for entry in b.messages {
                let (offset, c) = broker.store(b.topic, entry)
                if first < 0 { first = offset }
                confirm = c
            }
            if confirm, let id = b.id {
                reply(.ok(OKFrame(id: id, offset: first, timestamp: 1, count: UInt32(b.messages.count), durable: true)), session)
            }
        case .subscribe(let s):
            subscribe(s, session)
        case .credit(let c):
            let deliveries = broker.state.withLockedValue { state -> [(FakeBroker.Subscriber, DeliveredMessage)] in
                state.subscribers[c.sub]?.credit += Int(c.n)
                return FakeBroker.takeDeliverable(&state)
            }
            FakeBroker.send(deliveries)
        case .unsubscribe(let u):
            _ = broker.state.withLockedValue { $0.subscribers.removeValue(forKey: u.sub) }
            if let id = u.id { reply(.ok(OKFrame(id: id)), session) }
        case .ack, .nack:
            break
        case .auth(let a):
            if let id = a.id { reply(.ok(OKFrame(id: id)), session) }
        }
    }

    private func subscribe(_ s: SubscribeFrame, _ session: WebSocketSession) {
        let (sub, tail) = broker.state.withLockedValue { state -> (String, Int64) in
            state.nextSub += 1
            let sub = "s\(state.nextSub)"
            let end = Int64(state.topics[s.topic]?.count ?? 0)
            var next: Int64
            switch s.from ?? .latest {
            case .earliest: next = 0
            case .latest: next = end
            case .offset(let o): next = min(o, end)
            case .time: next = 0
            }
            if let consumer = s.consumer, let position = state.positions[consumer] { next = position }
            state.subscribers[sub] = FakeBroker.Subscriber(
                session: session, codec: codec, sub: sub, topic: s.topic, consumer: s.consumer, next: next,
                credit: Int(min(s.credit ?? s.maxInflight ?? 1000, s.maxInflight ?? 1000)))
            return (sub, end)
        }
        subs.append(sub)
        reply(.ok(OKFrame(id: s.id, sub: sub)), session)
        let deliveries = broker.state.withLockedValue { FakeBroker.takeDeliverable(&$0) }
        FakeBroker.send(deliveries)
        reply(.caughtUp(CaughtUpFrame(sub: sub, topic: s.topic, offset: tail)), session)
    }

    private func reply(_ frame: ServerFrame, _ session: WebSocketSession) {
        var buffer = ByteBuffer()
        codec.encode(frame, into: &buffer)
        session.send(buffer)
    }

    func closed(session: WebSocketSession, code: WebSocketErrorCode?) {
        broker.state.withLockedValue { state in
            for sub in subs { state.subscribers.removeValue(forKey: sub) }
        }
    }
}
