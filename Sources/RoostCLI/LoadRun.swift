import Foundation
import Logging
import NIOCore
import NIOPosix
import RoostClient
import RoostProtocol

/// Opening load connections, printing live progress, and collecting results for `roost bench`.
enum LoadRun {
    /// A connection with its driver, which lives on the connection's event loop.
    struct Handle<Driver>: Sendable {
        let connection: WebSocketConnection
        let driver: NIOLoopBoundBox<Driver?>

        /// Runs `body` with the driver on its event loop.
        func run<T: Sendable>(_ body: @escaping @Sendable (Driver) -> T) async throws -> T {
            try await connection.eventLoop.submit { () throws -> T in
                guard let driver = driver.value else { throw CLIError(.generic, "connection not ready") }
                return body(driver)
            }.get()
        }

        func runFuture(_ body: @escaping @Sendable (Driver) -> EventLoopFuture<Void>) async throws {
            try await connection.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                guard let driver = driver.value else {
                    return connection.eventLoop.makeFailedFuture(CLIError(.generic, "connection not ready"))
                }
                return body(driver)
            }.get()
        }
    }

    /// Opens a WebSocket connection whose frames go to a driver made by `make` on the event loop.
    static func open<Driver: AnyObject>(
        _ options: LoadOptions, make: @escaping @Sendable (WebSocketConnection) -> Driver,
        received: @escaping @Sendable (Driver, ByteBuffer) -> Void, readComplete: @escaping @Sendable (Driver) -> Void
    ) async throws -> Handle<Driver> {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let box = NIOLoopBoundBox<Driver?>.makeEmptyBox(valueType: Driver.self, eventLoop: loop)
        var configuration = options.server.clientConfiguration()
        configuration.encoding = options.wireEncoding
        configuration.eventLoopGroup = loop
        let connection: WebSocketConnection
        do {
            connection = try await WebSocketConnection.connect(
                url: try options.server.webSocketURL(), configuration: configuration,
                onMessage: { message in if let driver = box.value { received(driver, message) } },
                onClosed: { _ in },
                onReadComplete: { if let driver = box.value { readComplete(driver) } })
        } catch let error as RoostClientError {
            throw CLIError(.unreachable, "cannot reach the broker at \(options.server.address): \(error.message)")
        }
        try await loop.submit { box.value = make(connection) }.get()
        return Handle(connection: connection, driver: box)
    }

    /// Prints the rates of the last second on stderr until cancelled.
    static func progress(_ counters: LoadCounters, bytesPerMessage: Int, enabled: Bool) -> Task<Void, Never> {
        Task {
            guard enabled else { return }
            var previous = counters.snapshot
            var seconds = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if Task.isCancelled { break }
                seconds += 1
                let now = counters.snapshot
                let confirmed = now.confirmed - previous.confirmed
                let received = now.received - previous.received
                var line = String(format: "[%3ds] pub %@ msgs/s %.1f MB/s", seconds, group(confirmed),
                                  Double(confirmed * bytesPerMessage) / 1e6)
                if now.received > 0 {
                    line += String(format: "  recv %@ msgs/s %.1f MB/s", group(received), Double(now.receivedBytes - previous.receivedBytes) / 1e6)
                }
                if now.errors > 0 { line += "  errors \(now.errors)" }
                Output.error(line)
                previous = now
            }
        }
    }

    /// Thousands separators for readability.
    static func group(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }
}
