import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import RoostProtocol

/// One open WebSocket connection to a broker: the channel plus its frame handler. Sends hop to the
/// connection's event loop once per batch, never per message.
final class WebSocketConnection: Sendable {
    let channel: any Channel
    let encoding: WireEncoding
    private let handler: NIOLoopBound<ClientFrameHandler>

    private init(channel: any Channel, encoding: WireEncoding, handler: NIOLoopBound<ClientFrameHandler>) {
        self.channel = channel
        self.encoding = encoding
        self.handler = handler
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Sends each buffer as one WebSocket message and flushes once; call on ``eventLoop``.
    func sendOnLoop(_ messages: [ByteBuffer]) {
        handler.value.send(messages, opcode: encoding == .json ? .text : .binary)
    }

    /// Sends from any thread (one hop if not on the event loop).
    func send(_ messages: [ByteBuffer]) {
        if eventLoop.inEventLoop {
            sendOnLoop(messages)
        } else {
            eventLoop.execute { self.sendOnLoop(messages) }
        }
    }

    /// Starts the close handshake (1000) and waits until TCP is closed.
    func close() async {
        let handler = self.handler
        eventLoop.execute { handler.value.initiateClose(code: .normalClosure, timeout: .seconds(2)) }
        try? await channel.closeFuture.get()
    }

    /// Opens TCP, performs the HTTP upgrade offering `configuration.encoding`'s subprotocol, and checks
    /// that the broker accepted that subprotocol. `onMessage` gets every complete message and `onClosed`
    /// the end of the connection, both on its event loop.
    static func connect(
        url: WebSocketURL, configuration: RoostClientConfiguration,
        onMessage: @escaping @Sendable (ByteBuffer) -> Void,
        onClosed: @escaping @Sendable (WebSocketErrorCode?) -> Void
    ) async throws(RoostClientError) -> WebSocketConnection {
        let encoding = configuration.encoding
        let eventLoop = configuration.eventLoopGroup.next()
        let upgraded = eventLoop.makePromise(of: NIOLoopBound<ClientFrameHandler>.self)
        var headers = HTTPHeaders()
        headers.add(name: "Sec-WebSocket-Protocol", value: encoding.subprotocol)
        if let token = configuration.token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let maxFrameSize = configuration.maxFrameSize
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: maxFrameSize, automaticErrorHandling: false,
                        upgradePipelineHandler: { channel, response in
                            let chosen = response.headers.first(name: "Sec-WebSocket-Protocol")
                            guard chosen == encoding.subprotocol else {
                                upgraded.fail(RoostClientError.handshakeFailed(
                                    "the server chose subprotocol '\(chosen ?? "")' instead of '\(encoding.subprotocol)'"))
                                return channel.close()
                            }
                            return channel.eventLoop.makeCompletedFuture {
                                let handler = ClientFrameHandler(
                                    maxMessageSize: maxFrameSize, onMessage: onMessage, onClosed: onClosed)
                                try channel.pipeline.syncOperations.addHandler(handler)
                                upgraded.succeed(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                            }
                        })
                    let request = HandshakeRequestHandler(url: url, headers: headers) { upgraded.fail($0) }
                    let requestBox = NIOLoopBound(request, eventLoop: channel.eventLoop)
                    let upgrade: NIOHTTPClientUpgradeSendableConfiguration = (
                        upgraders: [upgrader],
                        completionHandler: { context in
                            context.pipeline.syncOperations.removeHandler(requestBox.value, promise: nil)
                        }
                    )
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(withClientUpgrade: upgrade)
                    try channel.pipeline.syncOperations.addHandler(request)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: url.host, port: url.port).get()
        } catch {
            upgraded.fail(RoostClientError.connectFailed("\(error)"))
            throw .connectFailed("cannot connect to \(url.host):\(url.port): \(error)")
        }
        let timeout = eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
            upgraded.fail(RoostClientError.handshakeFailed("no upgrade within the handshake timeout"))
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        do {
            let handler = try await upgraded.futureResult.get()
            return WebSocketConnection(channel: channel, encoding: encoding, handler: handler)
        } catch let error as RoostClientError {
            channel.close(promise: nil)
            throw error
        } catch {
            channel.close(promise: nil)
            throw .handshakeFailed("\(error)")
        }
    }
}
