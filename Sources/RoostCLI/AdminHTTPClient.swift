import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A minimal HTTP/1.1 client over NIO for the broker's admin API: one request per connection, JSON bodies.
/// Errors become ``CLIError``s: unreachable server (exit 3), 404 (exit 4), 409 (exit 6), others (exit 1).
struct AdminHTTPClient {
    let host: String
    let port: Int
    /// Sent as `Authorization: Bearer` when set.
    let token: String?
    /// For `https://`: the TLS context that verifies the broker's certificate (system store or `--ca-file`).
    let tls: NIOSSLContext?

    init(_ options: ServerOptions) throws {
        (host, port) = try options.hostAndPort()
        token = options.bearerToken
        if options.usesTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile = options.trustedCAFile { configuration.trustRoots = .file(caFile) }
            do {
                tls = try NIOSSLContext(configuration: configuration)
            } catch {
                throw CLIError(.usage, "TLS setup failed (CA file \(options.trustedCAFile ?? "system")): \(error)")
            }
        } else {
            tls = nil
        }
    }

    struct Response {
        var status: HTTPResponseStatus
        var body: ByteBuffer
    }

    /// Sends `method path` with an optional JSON body; returns the response on 2xx, throws otherwise.
    func request(_ method: HTTPMethod, _ path: String, json body: Any? = nil) async throws -> Response {
        let bodyBuffer: ByteBuffer? = try body.map { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: $0)) }
        let response = try await send(method, path, body: bodyBuffer)
        guard (200..<300).contains(response.status.code) else { throw Self.error(for: response) }
        return response
    }

    /// Sends and decodes the JSON object of the response.
    func object(_ method: HTTPMethod, _ path: String, json body: Any? = nil) async throws -> [String: Any] {
        let response = try await request(method, path, json: body)
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] else {
            throw CLIError(.generic, "the server sent a response that is not a JSON object (HTTP \(response.status.code))")
        }
        return object
    }

    /// NIO's connect errors list every address tried; scripts and people want the reason.
    static func shortDescription(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Connection refused") { return "connection refused" }
        if text.contains("imeout") || text.contains("timed out") { return "connection timed out" }
        if text.contains("No route") || text.contains("unreachable") { return "no route to host" }
        return text
    }

    private static func error(for response: Response) -> CLIError {
        let parsed = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        let error = parsed?["error"] as? [String: Any]
        let code = error?["code"] as? String ?? "http_\(response.status.code)"
        let message = error?["message"] as? String ?? String(buffer: response.body)
        let exit: CLIError.Code
        switch response.status.code {
        case 404: exit = .notFound
        case 409: exit = .conflict
        case 400: exit = .usage
        default: exit = .generic
        }
        return CLIError(exit, "\(code): \(message)")
    }

    private func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer?) async throws -> Response {
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Response.self)
        let (tls, host) = (self.tls, self.host)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: isAddress ? nil : host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            let failure = CLIError(.unreachable, "cannot reach the broker at \(host):\(port): \(Self.shortDescription(error))")
            promise.fail(failure)
            throw failure
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Connection", value: "close")
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        headers.add(name: "Content-Length", value: "\(body?.readableBytes ?? 0)")
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(30)) {
            promise.fail(CLIError(.unreachable, "the broker did not answer within 30 s"))
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        let response = try await promise.futureResult.get()
        try? await channel.close()
        return response
    }
}

/// Collects one HTTP response.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<AdminHTTPClient.Response>
    private var status: HTTPResponseStatus = .ok
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<AdminHTTPClient.Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = head.status
        case .body(var part): body.writeBuffer(&part)
        case .end: promise.succeed(AdminHTTPClient.Response(status: status, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(CLIError(.unreachable, "connection to the broker failed: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(CLIError(.unreachable, "the broker closed the connection before answering"))
    }
}
