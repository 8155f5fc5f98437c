import NIOCore
import RoostProtocol

/// Sample frames covering every frame kind and every optional field, present and absent.
enum Fixtures {
    static func bytes(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    static let clientFrames: [ClientFrame] = [
        .publish(PublishFrame(topic: "bench", entry: PublishEntry(payload: bytes("\"abc\"")))),
        .publish(PublishFrame(
            id: RequestID(1), topic: "orders.created",
            entry: PublishEntry(key: bytes("o-17"), headers: [Header(name: "trace", value: "ab"), Header(name: "trace", value: "c\"d")],
                                dedupID: "d-1", payload: bytes("{\"order\":17}")))),
        .publish(PublishFrame(id: RequestID("p\u{e9}\n"), topic: "bin",
                              entry: PublishEntry(key: ByteBuffer(bytes: [0xFF, 0x00]), payload: ByteBuffer(bytes: [0, 1, 2, 0xFE])))),
        .publish(PublishFrame(topic: "empty", entry: PublishEntry(payload: ByteBuffer()))),
        .publishBatch(PublishBatchFrame(id: RequestID(2), topic: "t", messages: [
            PublishEntry(payload: bytes("1")),
            PublishEntry(key: bytes("k"), headers: [Header(name: "h", value: "v")], dedupID: "x", payload: bytes("[1,2]")),
            PublishEntry(payload: ByteBuffer(bytes: [0x80])),
        ])),
        .publishBatch(PublishBatchFrame(topic: "t", messages: [PublishEntry(payload: bytes("null"))])),
        .subscribe(SubscribeFrame(id: RequestID("s"), topic: "bench", from: .latest)),
        .subscribe(SubscribeFrame(id: RequestID(3), topic: "orders.*")),
        .subscribe(SubscribeFrame(
            id: RequestID(4), topic: "orders.>", consumer: "billing", from: .offset(41), ack: .explicit, maxInflight: 100,
            batch: 64, ackWaitMilliseconds: 30_000, maxDeliveries: 5)),
        .subscribe(SubscribeFrame(id: RequestID(5), topic: "a", from: .time(1_763_700_000_000), ack: AckPolicy.none)),
        .subscribe(SubscribeFrame(id: RequestID(6), topic: "a", from: .earliest)),
        .subscribe(SubscribeFrame(id: RequestID(8), topic: "a", ack: AckPolicy.none, maxInflight: 10, credit: 0)),
        .unsubscribe(UnsubscribeFrame(sub: "s1")),
        .unsubscribe(UnsubscribeFrame(id: RequestID(7), sub: "s1")),
        .ack(AckFrame(sub: "s1", offset: 41)),
        .ack(AckFrame(id: RequestID(8), sub: "s1", topic: "orders.created", offset: 0, cumulative: true)),
        .nack(NackFrame(sub: "s1", offset: 5)),
        .nack(NackFrame(id: RequestID(9), sub: "s1", topic: "t", offset: Int64.max, delayMilliseconds: 1000)),
        .credit(CreditFrame(sub: "s1", n: UInt32.max)),
        .auth(AuthFrame(id: RequestID(7), token: "eyJhbGciOiJIUzI1NiJ9.e30.sig")),
        .auth(AuthFrame(token: "")),
    ]

    static let message = DeliveredMessage(
        topic: "orders.created", offset: 41, timestamp: 1_763_700_000_000, key: bytes("o-17"),
        headers: [Header(name: "trace", value: "ab")], payload: bytes("{\"order\":17}"))

    static let binaryMessage = DeliveredMessage(
        topic: "raw", offset: 0, timestamp: 0, key: ByteBuffer(bytes: [0xC3]), payload: ByteBuffer(bytes: [0xDE, 0xAD]),
        deliveries: 3)

    static let serverFrames: [ServerFrame] = [
        .ok(OKFrame(id: RequestID(1), offset: 41, timestamp: 1_763_700_000_000, durable: true)),
        .ok(OKFrame(id: RequestID(2), offset: 42, timestamp: 5, count: 3, durable: false)),
        .ok(OKFrame(id: RequestID("s"), sub: "s1")),
        .ok(OKFrame(id: RequestID(7))),
        .message(MessageFrame(sub: "s1", message: message)),
        .message(MessageFrame(sub: "s2", message: binaryMessage)),
        .message(MessageFrame(sub: "s3", message: DeliveredMessage(topic: "t", offset: 1, timestamp: 2, payload: bytes("\"abc\"")))),
        .messages(MessagesFrame(sub: "s1", messages: [message, binaryMessage, message])),
        .messages(MessagesFrame(sub: "s1", messages: [])),
        .caughtUp(CaughtUpFrame(sub: "s1", topic: "orders.created", offset: 42)),
        .error(ErrorFrame(id: RequestID(3), code: .topicNotFound, message: "topic 'x' does not exist")),
        .error(ErrorFrame(code: .invalidJSON)),
        .error(ErrorFrame(code: ErrorCode(rawValue: "from_the_future"), message: "\u{1F600}")),
    ]

    static let codecs: [any FrameCodec] = [JSONFrameCodec(), BinaryFrameCodec()]
}

extension ByteBuffer {
    var text: String { String(buffer: self) }
}
