import NIOCore
import RoostProtocol
import RoostTesting
import Testing

/// Random bytes and random mutations of valid frames: every input decodes or throws a `ProtocolError`;
/// nothing traps. A seeded generator keeps failures reproducible.
@Suite("Fuzz: decoders never trap")
struct FuzzTests {
    static let interesting: [UInt8] = Array("{}[]\",:\\u0123456789-+.eEtrufalsn \t\n".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = interesting.randomElement(using: &rng) ?? 0
            case 2 where !bytes.isEmpty: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
            case 3: bytes.insert(interesting.randomElement(using: &rng) ?? 0, at: Int.random(in: 0...bytes.count, using: &rng))
            default: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
            }
        }
        return bytes
    }

    /// Decoding must return or throw; the test passing at all is the "never traps" property.
    static func decodeAll(_ bytes: [UInt8]) -> Int {
        var decoded = 0
        let buffer = ByteBuffer(bytes: bytes)
        for codec in Fixtures.codecs {
            if (try? codec.decodeClientFrame(buffer)) != nil { decoded += 1 }
            if (try? codec.decodeServerFrame(buffer)) != nil { decoded += 1 }
        }
        _ = buffer.withUnsafeReadableBytes { JSONValidator.isValid($0) }
        return decoded
    }

    @Test func randomBytes() {
        var rng = SplitMix64(state: 1)
        for _ in 0..<3_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = Self.decodeAll(bytes)
        }
    }

    @Test(arguments: [WireEncoding.json, .binary])
    func mutationsOfValidFrames(_ encoding: WireEncoding) {
        let codec = encoding.codec
        var seeds: [[UInt8]] = []
        for frame in Fixtures.clientFrames {
            var buffer = ByteBuffer()
            codec.encode(frame, into: &buffer)
            seeds.append(Array(buffer: buffer))
        }
        for frame in Fixtures.serverFrames {
            var buffer = ByteBuffer()
            codec.encode(frame, into: &buffer)
            seeds.append(Array(buffer: buffer))
        }
        var rng = SplitMix64(state: encoding == .json ? 2 : 3)
        var decodedSome = 0
        for seed in seeds {
            for _ in 0..<300 {
                decodedSome += Self.decodeAll(Self.mutate(seed, &rng))
            }
        }
        // Some mutations (a changed letter inside a string) still decode: the fuzzer reaches deep paths.
        #expect(decodedSome > 0)
    }

    @Test func reencodingADecodedMutantIsStable() throws {
        // Whatever decodes must encode to something that decodes to the same frame.
        var rng = SplitMix64(state: 4)
        for codec in Fixtures.codecs {
            for frame in Fixtures.clientFrames {
                var buffer = ByteBuffer()
                codec.encode(frame, into: &buffer)
                for _ in 0..<100 {
                    guard let mutant = try? codec.decodeClientFrame(ByteBuffer(bytes: Self.mutate(Array(buffer: buffer), &rng))) else { continue }
                    var again = ByteBuffer()
                    codec.encode(mutant, into: &again)
                    #expect(try codec.decodeClientFrame(again) == mutant)
                }
            }
        }
    }
}
