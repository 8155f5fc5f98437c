import NIOCore
import RoostStorage
import RoostTesting
import Testing

@Suite struct RecoveryTests {
    /// Crashes are simulated by closing cleanly and then removing the marker (the files are what a
    /// crash leaves; the marker is what tells recovery to trust them).
    func removeMarker(_ dir: TemporaryDirectory) {
        Files.remove(dir.appending(LogFileNames.cleanShutdownMarker))
    }

    @Test(arguments: CompressionCodec.allCases)
    func tornTailIsTruncatedAtEveryLength(codec: CompressionCodec) async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "t", configuration: testConfiguration(codec))
            for i in 0..<5 { _ = try await log.append((0..<10).map { record("batch\(i)-\($0)", key: "k") }) }
            let path = segmentPath(dir, "t")
            let goodSize = Files.size(path)
            _ = try await log.append([record("last")])
            try store.close()
            let lastBatch = Array(Files.read(path)[goodSize...])
            #expect(lastBatch.count > 52)
            for k in 1..<lastBatch.count {
                Files.write(path, lastBatch, at: goodSize)
                Files.truncate(path, to: goodSize + k)
                removeMarker(dir)
                let reopened = try DiskLogStore(directory: dir.path)
                let again = try #require(reopened.log(named: "t"))
                #expect(reopened.recoveryReport.cleanShutdown == false)
                #expect(reopened.recoveryReport.bytesTruncated == k, "k = \(k)")
                #expect(again.endOffset == 50, "k = \(k)")
                let read = try readAll(again)
                #expect(read.count == 50)
                #expect(read.last?.value.string == "batch4-9")
                #expect(try await again.append([record("after")]).baseOffset == 50, "k = \(k)")
                try reopened.close()
            }
        }
    }

    @Test func cleanShutdownTrustsIndexesAndUncleanRebuildsThem() async throws {
        let clock = ManualClock()
        try await withTemporaryDirectory { dir in
            let config = testConfiguration(segmentBytes: 8 << 10, indexIntervalBytes: 256)
            let store = try DiskLogStore(directory: dir.path, clock: clock)
            let log = try store.createLog(named: "i", configuration: config)
            var stamps: [Int64] = []
            for i in 0..<300 {
                clock.advance(by: 10)
                stamps.append(try await log.append([record(String(repeating: "x", count: 100) + "\(i)")]).timestamp)
            }
            try store.close()

            // Time lookups through the loaded (clean) and the rebuilt (unclean) indexes, across segments.
            func checkTimeLookups(_ log: any TopicLog) throws {
                for i in [0, 1, 77, 150, 298, 299] {
                    #expect(try log.offset(forTimestamp: stamps[i]) == Int64(i))
                    #expect(try log.offset(forTimestamp: stamps[i] - 5) == Int64(i))
                }
                #expect(try log.offset(forTimestamp: stamps[299] + 1) == 300)
            }

            let clean = try DiskLogStore(directory: dir.path, clock: clock)
            #expect(clean.recoveryReport.cleanShutdown)
            #expect(clean.recoveryReport.logs.first?.segmentsScanned == 0)
            #expect(clean.recoveryReport.indexesRebuilt == 0)
            let segments = try #require(clean.diskLog(named: "i")?.segmentBaseOffsets)
            #expect(segments.count > 2)
            try checkTimeLookups(#require(clean.log(named: "i")))
            try clean.close()

            // A sealed segment loses its index; the store is not shut down cleanly.
            Files.remove(segmentPath(dir, "i", base: segments[1], suffix: LogFileNames.indexSuffix))
            removeMarker(dir)
            let unclean = try DiskLogStore(directory: dir.path, clock: clock)
            let report = try #require(unclean.recoveryReport.logs.first)
            #expect(!unclean.recoveryReport.cleanShutdown)
            #expect(report.indexesRebuilt >= 2)
            #expect(report.segmentsScanned >= 1)
            let again = try #require(unclean.log(named: "i"))
            let read = try readAll(again)
            #expect(read.count == 300)
            #expect(read.map(\.offset) == Array(0..<300))
            #expect(read.map(\.timestamp) == stamps)
            let middle = try again.read(from: 150, maxRecords: 1, maxBytes: 1)
            #expect(middle.records.first?.value.string.hasSuffix("150") == true)
            try checkTimeLookups(again)
            clock.set(0)  // a clock far behind: timestamps still never go back
            #expect(try await again.append([record("late")]).timestamp == stamps[299])
            try unclean.close()
            #expect(Files.exists(segmentPath(dir, "i", base: segments[1], suffix: LogFileNames.indexSuffix)))
        }
    }

    @Test func staleIndexIsRejectedAndRebuilt() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "s", configuration: testConfiguration(segmentBytes: 4096, indexIntervalBytes: 128))
            for i in 0..<200 { _ = try await log.append([record("value number \(i) with some padding")]) }
            try store.close()
            // An index pointing past the end of its segment, and one with a torn entry.
            Files.write(segmentPath(dir, "s", suffix: LogFileNames.indexSuffix), [0, 0, 0, 9, 0x7F, 0, 0, 0], at: 0)
            Files.write(segmentPath(dir, "s", base: 0, suffix: LogFileNames.timeIndexSuffix), [1, 2, 3], at: 1 << 16)
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(reopened.recoveryReport.indexesRebuilt >= 2)
            let again = try #require(reopened.log(named: "s"))
            #expect(try readAll(again).map { $0.value.string } == (0..<200).map { "value number \($0) with some padding" })
            try reopened.close()
        }
    }

    @Test func bitFlipsAreDetectedAndNeverReturned() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "b", configuration: testConfiguration())
            _ = try await log.append([record("first", key: "a")])
            let path = segmentPath(dir, "b")
            let start = Files.size(path)
            _ = try await log.append([record("second", key: "b", headers: [RecordHeader(name: "h", value: "v")])])
            let end = Files.size(path)
            _ = try await log.append([record("third")])
            let original = Files.read(path)
            for position in start..<end {
                var flipped = original[position]
                flipped ^= UInt8(1 << (position % 8))
                Files.write(path, [flipped], at: position)
                let error = #expect(throws: LogError.self) { try log.read(from: 1, maxRecords: 10, maxBytes: 1 << 20) }
                #expect(error?.code == .corrupt, "position \(position)")
                // The batch before the damaged one still reads.
                #expect(try log.read(from: 0, maxRecords: 1, maxBytes: 1 << 20).records.first?.value.string == "first")
                Files.write(path, [original[position]], at: position)
            }
            #expect(try readAll(log).map { $0.value.string } == ["first", "second", "third"])
            try store.close()
        }
    }

    @Test func corruptTailFoundOnOpenIsCut() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "c", configuration: testConfiguration(.lz4))
            _ = try await log.append([record("keep")])
            let path = segmentPath(dir, "c")
            let keep = Files.size(path)
            _ = try await log.append([record("lose")])
            try store.close()
            Files.write(path, [0xFF], at: Files.size(path) - 1)
            removeMarker(dir)
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(Files.size(path) == keep)
            #expect(try readAll(#require(reopened.log(named: "c"))).map { $0.value.string } == ["keep"])
            try reopened.close()
        }
    }

    @Test func strayFilesAreRemoved() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            _ = try store.createLog(named: "x", configuration: testConfiguration())
            try store.close()
            Files.write(dir.appending("x") + "/00000000000000000099.index", [1], at: 0)
            Files.write(dir.appending("x") + "/config.json.tmp", [1], at: 0)
            let reopened = try DiskLogStore(directory: dir.path)
            #expect(reopened.recoveryReport.logs.first?.strayFilesRemoved == 2)
            #expect(!Files.exists(dir.appending("x") + "/00000000000000000099.index"))
            try reopened.close()
        }
    }

    @Test func millionRecordsSurviveReopenIdentical() async throws {
        try await withTemporaryDirectory { dir in
            let store = try DiskLogStore(directory: dir.path)
            let log = try store.createLog(named: "m", configuration: testConfiguration(segmentBytes: 8 << 20))
            let perBatch = 1000
            for b in 0..<1000 {
                _ = try await log.append((0..<perBatch).map { i in record("value-\(b * perBatch + i)") })
            }
            try store.close()
            let reopened = try DiskLogStore(directory: dir.path)
            let again = try #require(reopened.log(named: "m"))
            #expect(again.endOffset == 1_000_000)
            var offset: Int64 = 0
            var mismatches = 0
            while offset < again.endOffset {
                let page = try again.read(from: offset, maxRecords: 50_000, maxBytes: 16 << 20)
                for (i, r) in page.records.enumerated() where r.offset != offset + Int64(i) || r.value.string != "value-\(r.offset)" {
                    mismatches += 1
                }
                offset = page.nextOffset
                if page.records.isEmpty { break }
            }
            #expect(offset == 1_000_000)
            #expect(mismatches == 0)
            try reopened.close()
        }
    }
}
