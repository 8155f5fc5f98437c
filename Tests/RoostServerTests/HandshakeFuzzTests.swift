import Foundation
import Logging
import NIOCore
import NIOEmbedded
@testable import RoostServer
import RoostTesting
import Testing

/// The short, seeded run of the handshake fuzz target (Tests/Fuzz/Sources/FuzzHandshake) inside `swift test`:
/// the corpus seeds and seeded mutations of them go through the server's real connection pipeline on an
/// `EmbeddedChannel`. Nothing may trap, and whatever the server answers before an upgrade is an HTTP response.
@Suite("Fuzz: the HTTP/WebSocket handshake path never traps")
struct HandshakeFuzzTests {
    final class Echo: WebSocketSessionHandler {
        func received(message: ByteBuffer, isText: Bool, session: WebSocketSession) { session.send(message, asText: isText) }
    }

    static let server: RoostServer = {
        var logger = Logger(label: "roost.test.fuzz")
        logger.logLevel = .critical
        var configuration = ServerConfiguration()
        configuration.maxHTTPBodySize = 1 << 14
        return RoostServer(configuration: configuration, logger: logger) { _ in Echo() }
    }()

    /// The seeds in the repository (first two bytes: where the input is cut into reads).
    static let seeds: [String: [UInt8]] = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus/FuzzHandshake")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return Dictionary(uniqueKeysWithValues: names.compactMap { name in
            (try? Data(contentsOf: directory.appendingPathComponent(name))).map { (name, Array($0)) }
        })
    }()

    /// Runs `input` through a fresh connection as the harness does; returns what the server wrote.
    static func run(_ input: [UInt8]) throws -> String {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        try server.initialize(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).wait()
        // The first two bytes say where the rest is cut into reads; they are not sent.
        let payload = Array(input.dropFirst(2))
        let first = input.count > 0 ? Int(input[0]) % (payload.count + 1) : 0
        let second = input.count > 1 ? max(first, Int(input[1]) * payload.count / 256) : first
        var output = ByteBuffer()
        for range in [0..<first, first..<second, second..<payload.count] where !range.isEmpty && channel.isActive {
            do { try channel.writeInbound(ByteBuffer(bytes: payload[range])) } catch { break }
            while case .byteBuffer(var bytes)? = try? channel.readOutbound(as: IOData.self) { output.writeBuffer(&bytes) }
        }
        channel.embeddedEventLoop.run()
        while case .byteBuffer(var bytes)? = try? channel.readOutbound(as: IOData.self) { output.writeBuffer(&bytes) }
        return String(decoding: output.readableBytesView, as: UTF8.self)
    }

    @Test func seedsGetTheDocumentedAnswers() throws {
        #expect(Self.seeds.count >= 10)
        let expected = [
            "upgrade-json": "HTTP/1.1 101", "upgrade-binary": "HTTP/1.1 101", "bad-version": "HTTP/1.1 426",
            "missing-key": "HTTP/1.1 400", "wrong-path": "HTTP/1.1 404", "upgrade-unknown-protocol": "HTTP/1.1 400",
            "healthz-pipelined": "HTTP/1.1 200",
        ]
        for (name, prefix) in expected {
            let seed = try #require(Self.seeds[name], "seed \(name)")
            let answer = try Self.run(seed)
            #expect(answer.hasPrefix(prefix), "seed \(name): \(answer.prefix(200))")
        }
    }

    @Test func seededMutationsNeverTrap() throws {
        var rng = SplitMix64(state: 7)
        let seeds = Self.seeds.keys.sorted().compactMap { Self.seeds[$0] }
        try #require(!seeds.isEmpty)
        for _ in 0..<1_500 {
            var input = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where !input.isEmpty: input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1 where !input.isEmpty: input.remove(at: Int.random(in: 0..<input.count, using: &rng))
                case 2: input.insert(Array(":\r\n \t/".utf8).randomElement(using: &rng) ?? 0, at: Int.random(in: 0...input.count, using: &rng))
                default: input = Array(input.prefix(Int.random(in: 0...input.count, using: &rng)))
                }
            }
            let answer = try Self.run(input)
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1."), "answer to \(input): \(answer.prefix(80))")
        }
    }
}
