import Testing
import NIOCore
import NIOPosix
import NIOSSL

/// A TCP client that sends whatever bytes a test wants (valid or deliberately broken) and reads the server's bytes
/// as they come, via an AsyncStream: no sleeps, every wait ends on data or on EOF.
final class RawClient {
    let channel: any Channel
    private var iterator: AsyncStream<ByteBuffer>.AsyncIterator
    /// The client channel's writability changes, in order.
    var writability: AsyncStream<Bool>.AsyncIterator
    private var pending = ByteBuffer()

    private init(channel: any Channel, stream: AsyncStream<ByteBuffer>, writability: AsyncStream<Bool>) {
        self.channel = channel
        self.iterator = stream.makeAsyncIterator()
        self.writability = writability.makeAsyncIterator()
    }

    /// Connects to the loopback port; with `tls`, through a TLS client handler that checks the server's
    /// certificate against `tls`'s trust roots for the name `localhost`.
    static func connect(port: Int, tls: NIOSSLContext? = nil) async throws -> RawClient {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let (writability, writabilityContinuation) = AsyncStream<Bool>.makeStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: "localhost"))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        StreamingHandler(continuation: continuation, writability: writabilityContinuation))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawClient(channel: channel, stream: stream, writability: writability)
    }

    /// Connects and completes a valid WebSocket handshake; returns the client and the 101 response head.
    static func webSocket(port: Int, protocols: [String] = []) async throws -> (RawClient, String) {
        let client = try await RawClient.connect(port: port)
        try await client.send(TestFrames.upgradeRequest(protocols: protocols))
        let head = try #require(await client.readHead())
        try #require(head.hasPrefix("HTTP/1.1 101"))
        return (client, head)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func send(_ string: String) async throws {
        try await self.send(Array(string.utf8))
    }

    /// Reads more bytes into `pending`; false at EOF.
    private func fill() async -> Bool {
        guard var chunk = await self.iterator.next() else { return false }
        self.pending.writeBuffer(&chunk)
        return true
    }

    /// An HTTP response head (through the blank line), or nil on EOF first.
    func readHead() async -> String? {
        while true {
            let view = self.pending.readableBytesView
            if let end = view.firstRange(of: Array("\r\n\r\n".utf8)) {
                let length = end.upperBound - view.startIndex
                return self.pending.readString(length: length)
            }
            guard await self.fill() else { return nil }
        }
    }

    /// A whole HTTP response: head and a body of `Content-Length` bytes.
    func readResponse() async -> (head: String, body: String)? {
        guard let head = await self.readHead() else { return nil }
        let length = head.split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].filter { $0 != " " }) } ?? 0
        while self.pending.readableBytes < length {
            guard await self.fill() else { return nil }
        }
        return (head, self.pending.readString(length: length) ?? "")
    }

    /// The next frame from the server, or nil on EOF.
    func readFrame() async -> TestFrames.Frame? {
        while true {
            if let frame = TestFrames.parse(&self.pending) { return frame }
            guard await self.fill() else { return nil }
        }
    }

    /// Reads frames until a close frame; returns its code (nil for an empty close), or nil when EOF came first.
    func readCloseCode() async -> UInt16?? {
        while let frame = await self.readFrame() {
            if frame.opcode == 0x8 { return .some(frame.closeCode) }
        }
        return .none
    }

    /// Everything the server sends until it closes the connection, as text.
    func readRemainingBody() async -> String {
        while await self.fill() {}
        return self.pending.readString(length: self.pending.readableBytes) ?? ""
    }

    /// Waits until the server closes the connection, dropping what it sends.
    func waitForEOF() async {
        while await self.fill() { self.pending.clear() }
    }

    func close() async {
        try? await self.channel.close()
    }
}

private final class StreamingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncStream<ByteBuffer>.Continuation
    let writability: AsyncStream<Bool>.Continuation

    init(continuation: AsyncStream<ByteBuffer>.Continuation, writability: AsyncStream<Bool>.Continuation) {
        self.continuation = continuation
        self.writability = writability
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.writability.yield(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.continuation.yield(self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.continuation.finish()
        self.writability.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
