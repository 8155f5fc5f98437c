import Testing

@testable import RoostBroker

/// The dedup index against a plain dictionary as the model: random inserts and removals with many tags
/// sharing home slots, through several growths, must find exactly what the model holds.
struct DedupIndexTests {
    @Test func agreesWithADictionaryThroughGrowthAndBackwardShiftRemovals() {
        var generator = SplitMix(seed: 42)
        var index = DedupIndex()
        var model: [(sequence: UInt32, tag: UInt32)] = []
        var nextSequence: UInt32 = 0
        for step in 0..<5_000 {
            if generator.next() % 3 != 0 || model.isEmpty {
                // Few distinct low bits so runs are long and removals shift a lot.
                let tag = DedupIndex.tag(UInt64(generator.next() % 256) << 32 | UInt64(step))
                index.insert(tag: tag, sequence: nextSequence)
                model.append((nextSequence, tag))
                nextSequence += 1
            } else {
                let victim = Int(generator.next() % UInt64(model.count))
                index.remove(tag: model[victim].tag, sequence: model[victim].sequence)
                model.swapAt(victim, model.count - 1)
                model.removeLast()
            }
        }
        #expect(index.count == model.count)
        for (sequence, tag) in model {
            #expect(index.find(tag: tag) { $0 == sequence } == sequence)
        }
        #expect(index.find(tag: DedupIndex.tag(0)) { $0 == nextSequence } == nil)
    }

    @Test func aMovedKeyIsNotRemovedByItsOldSequence() {
        var index = DedupIndex()
        let tag = DedupIndex.tag(7 << 32)
        index.insert(tag: tag, sequence: 1)
        index.move(tag: tag, from: 1, to: 5)
        index.remove(tag: tag, sequence: 1)
        #expect(index.count == 1 && index.find(tag: tag) { _ in true } == 5)
        index.remove(tag: tag, sequence: 5)
        #expect(index.count == 0 && index.find(tag: tag) { _ in true } == nil)
    }
}

/// A small deterministic generator, so a failure replays.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
