import NIOCore
import Testing

@testable import RoostServer

@Suite struct ServerConfigurationTests {
    @Test func theDefaultIsValid() throws {
        try ServerConfiguration().validate()
    }

    @Test func unworkableValuesAreReportedBeforeBinding() async {
        var zeroTimeout = ServerConfiguration()
        zeroTimeout.pingInterval = .zero
        #expect(throws: ServerConfigurationError.notPositive("pingInterval")) { try zeroTimeout.validate() }
        var marks = ServerConfiguration()
        marks.outboundLowWaterMark = marks.outboundHighWaterMark + 1
        #expect(throws: ServerConfigurationError.waterMarks) { try marks.validate() }
        var cap = ServerConfiguration()
        cap.maxOutboundBufferSize = 1
        #expect(throws: ServerConfigurationError.outboundCap) { try cap.validate() }
        var frame = ServerConfiguration()
        frame.maxFrameSize = Int(UInt32.max) + 1
        #expect(throws: ServerConfigurationError.frameSize) { try frame.validate() }

        marks.port = 0
        let server = RoostServer(configuration: marks) { _ in NoopSession() }
        await #expect(throws: ServerConfigurationError.self) { try await server.start() }
    }
}

private final class NoopSession: WebSocketSessionHandler {
    func received(message: ByteBuffer, isText: Bool, session: WebSocketSession) {}
}

