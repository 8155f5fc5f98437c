import Atomics
import NIOCore
import RoostStorage
import RoostTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Over the wire: while the disk fails (ENOSPC on write, EIO on fdatasync), publishes get an `error` with the
/// stable code `storage_unavailable`; once it heals, publishing resumes on the same connection at the next
/// dense offset, with no restart, and everything confirmed before is served intact.
@Suite(.timeLimit(.minutes(1))) struct StorageFaultWireTests {
    @Test(arguments: [(StorageFaults.Operation.write, ENOSPC), (.sync, EIO)])
    func publishesFailWithTheStableCodeThenResume(operation: StorageFaults.Operation, code: Int32) async throws {
        let harness = try await BrokerServerHarness.start()
        let failing = ManagedAtomic(false)
        StorageFaults.install(under: harness.directory.path) { op, path in
            op == operation && path.hasSuffix(LogFileNames.logSuffix) && failing.load(ordering: .sequentiallyConsistent) ? code : nil
        }
        defer { StorageFaults.remove(under: harness.directory.path) }
        let (client, _) = try await RawClient.webSocket(port: harness.port)
        func publish(_ id: Int) async throws -> String {
            try await client.send(TestFrames.text(#"{"op":"publish","id":\#(id),"topic":"t","data":"m\#(id)"}"#))
            return try #require(await client.readFrame()).text
        }
        for id in 0..<3 { #expect(try await publish(id).contains(#""offset":\#(id)"#)) }
        failing.store(true, ordering: .sequentiallyConsistent)
        for id in 3..<6 {
            let reply = try await publish(id)
            #expect(reply.contains(#""code":"storage_unavailable""#), "\(reply)")
            #expect(reply.contains(#""id":\#(id)"#))
        }
        failing.store(false, ordering: .sequentiallyConsistent)
        #expect(try await publish(6).contains(#""offset":3"#))
        #expect(try await publish(7).contains(#""offset":4"#))

        try await client.send(TestFrames.text(#"{"op":"subscribe","id":99,"topic":"t","from":"earliest"}"#))
        var payloads: [String] = []
        while let frame = await client.readFrame(), !frame.text.contains(#""op":"caught_up""#) {
            if frame.text.contains(#""op":"message""#), let data = frame.text.split(separator: "\"data\":\"").last {
                payloads.append(String(data.prefix { $0 != "\"" }))
            }
        }
        #expect(payloads == ["m0", "m1", "m2", "m6", "m7"])
        await client.close()
        try await harness.finish()
    }
}
