import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import RoostServer

/// The WebSocket transport over real loopback sockets: a third-party client for the happy paths, raw bytes for the
/// broken ones.
@Suite struct WebSocketServerTests {
    @Test func pythonWebsocketsClientEchoesTextBinaryFragmentsAndCloses() async throws {
        let harness = try await ServerHarness.start()
        let result = try await PythonClient.run(scenario: "echo", port: harness.port)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("ok"))
        await harness.server.shutdown()
    }

    @Test func reassemblesAFragmentedMessageWithAPingBetweenFragments() async throws {
        let harness = try await ServerHarness.start()
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        try await client.send(TestFrames.text("Hel", fin: false))
        try await client.send(TestFrames.frame(opcode: 0x9, Array("p1".utf8)))
        try await client.send(TestFrames.frame(opcode: 0x0, Array("lo".utf8)))
        let pong = try #require(await client.readFrame())
        #expect(pong.opcode == 0xA && pong.text == "p1")
        let echo = try #require(await client.readFrame())
        #expect(echo.opcode == 0x1 && echo.fin && echo.text == "Hello")
        await client.close()
        await harness.server.shutdown()
    }

    @Test func echoesTheClientsCloseCodeThenClosesTCP() async throws {
        var harness = try await ServerHarness.start()
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        try await client.send(TestFrames.close(code: 1000, reason: "done"))
        #expect(await client.readCloseCode() == .some(1000))
        await client.waitForEOF()
        #expect(await harness.waitFor(.closed(1000)))
        await harness.server.shutdown()
    }

    @Test(arguments: [
        ("unmasked frame", TestFrames.frame(opcode: 0x1, Array("hi".utf8), masked: false), UInt16(1002)),
        ("RSV1 without extension", TestFrames.frame(opcode: 0x1, Array("hi".utf8), rsv: 4), 1002),
        ("reserved opcode", TestFrames.frame(opcode: 0x3, []), 1002),
        ("fragmented ping", TestFrames.frame(opcode: 0x9, [], fin: false), 1002),
        ("ping over 125 bytes", TestFrames.frame(opcode: 0x9, [UInt8](repeating: 1, count: 126)), 1002),
        ("continuation without start", TestFrames.frame(opcode: 0x0, [1]), 1002),
        ("invalid close code", TestFrames.close(code: 1005), 1002),
        ("invalid UTF-8", TestFrames.frame(opcode: 0x1, [0x41, 0xC3, 0x28]), 1007),
        ("frame over the limit", TestFrames.frame(opcode: 0x2, [UInt8](repeating: 0, count: 2000)), 1009),
        (
            "message over the limit in fragments",
            TestFrames.frame(opcode: 0x2, [UInt8](repeating: 0, count: 900), fin: false)
                + TestFrames.frame(opcode: 0x0, [UInt8](repeating: 0, count: 900)),
            1009
        ),
    ])
    func protocolViolationsCloseWithTheRightCode(name: String, bytes: [UInt8], code: UInt16) async throws {
        var harness = try await ServerHarness.start { configuration in
            configuration.maxFrameSize = 1024
            configuration.maxMessageSize = 1024
        }
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        try await client.send(bytes)
        #expect(await client.readCloseCode() == .some(code), "\(name)")
        await client.waitForEOF()
        #expect(await harness.waitFor(.closed(code)), "\(name)")
        await harness.server.shutdown()
    }

    @Test func shutdownDrainsSessionsAndClosesWith1001() async throws {
        var harness = try await ServerHarness.start()
        let port = harness.port
        async let python = PythonClient.run(scenario: "wait_for_close", port: port)
        #expect(await harness.waitFor(.opened("roost.v1.json")))
        await harness.server.shutdown()
        #expect(await harness.nextEvent() == .draining)
        #expect(await harness.nextEvent() == .closed(1001))
        let result = try await python
        #expect(result.output.contains("closed 1001"), "\(result.output)")
        #expect(harness.server.connectionCount == 0)
    }

    @Test func aPeerThatStopsReadingMakesTheSessionSeeNotWritable() async throws {
        var harness = try await ServerHarness.start { configuration in
            configuration.outboundHighWaterMark = 64 << 10
            configuration.outboundLowWaterMark = 16 << 10
        }
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        try await client.channel.setOption(.autoRead, value: false).get()
        try await client.send(TestFrames.text("flood"))
        #expect(await harness.waitFor(.writability(false)))
        #expect(await harness.nextEvent() == .floodStopped)
        try await client.channel.setOption(.autoRead, value: true).get()
        #expect(await harness.waitFor(.writability(true)))
        await client.close()
        await harness.server.shutdown()
    }

    @Test func aSessionThatIgnoresBackPressureIsClosedAtTheOutboundCap() async throws {
        var harness = try await ServerHarness.start { configuration in
            configuration.outboundHighWaterMark = 64 << 10
            configuration.outboundLowWaterMark = 16 << 10
            configuration.maxOutboundBufferSize = 1 << 20
        }
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        try await client.channel.setOption(.autoRead, value: false).get()
        try await client.send(TestFrames.text("abuse"))
        #expect(await harness.waitFor(.closed(1008)))
        await client.close()
        await harness.server.shutdown()
    }

    @Test func idleConnectionsGetKeepalivePingsAndStayOpenWhileTheyAnswer() async throws {
        var harness = try await ServerHarness.start { configuration in
            configuration.pingInterval = .milliseconds(20)
            configuration.idleTimeout = .seconds(60)
        }
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        #expect(await harness.waitFor(.opened("roost.v1.json")))
        // The upgraded pipeline keeps no HTTP handler, so the handshake timeout no longer applies.
        let session = try #require(harness.sessions.withLockedValue { $0.first })
        let pipeline = session.channel.pipeline
        await #expect(throws: ChannelPipelineError.self) { try await pipeline.handler(type: RequestTimeoutHandler.self).get() }
        await #expect(throws: ChannelPipelineError.self) { try await pipeline.handler(type: HTTPRequestHandler.self).get() }
        for _ in 0..<3 {
            let ping = try #require(await client.readFrame())
            #expect(ping.opcode == 0x9)
            try await client.send(TestFrames.frame(opcode: 0xA, ping.payload))
        }
        try await client.send(TestFrames.text("still here"))
        var echo = try #require(await client.readFrame())
        while echo.opcode == 0x9 { echo = try #require(await client.readFrame()) }
        #expect(echo.text == "still here")
        await client.close()
        await harness.server.shutdown()
    }

    @Test func aPeerThatAnswersNothingIsClosedAfterTheIdleTimeout() async throws {
        var harness = try await ServerHarness.start { configuration in
            configuration.pingInterval = .milliseconds(20)
            configuration.idleTimeout = .milliseconds(60)
        }
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        var pings = 0
        var closeCode: UInt16?
        while let frame = await client.readFrame() {
            if frame.opcode == 0x9 { pings += 1 }
            if frame.opcode == 0x8 { closeCode = frame.closeCode }
        }
        #expect(pings >= 1)
        #expect(closeCode == 1001)
        #expect(await harness.waitFor(.closed(1001)))
        await harness.server.shutdown()
    }

    /// Pausing is NIO's `autoRead`; what this checks is that a paused connection loses nothing and picks up
    /// where it stopped once resumed.
    @Test(.timeLimit(.minutes(1)))
    func readingPausedAndResumedLosesNothing() async throws {
        var harness = try await ServerHarness.start()
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        try await client.send(TestFrames.text("pause"))
        #expect(await harness.waitFor(.paused))
        let frame = ByteBuffer(bytes: TestFrames.frame(opcode: 0x2, [UInt8](repeating: 7, count: 64 << 10)))
        let frames = 16
        for _ in 0..<frames { client.channel.write(frame, promise: nil) }
        client.channel.flush()
        let session = try #require(harness.sessions.withLockedValue { $0.first })
        session.setReadingPaused(false)
        var echoed = 0
        while echoed < frames, let reply = await client.readFrame() {
            if reply.opcode == 0x2 && reply.payload.count == 64 << 10 { echoed += 1 }
        }
        #expect(echoed == frames)
        await client.close()
        await harness.server.shutdown()
    }
}
