import RoostProtocol
import Testing

@Suite("Subprotocol negotiation")
struct WireEncodingTests {
    @Test func negotiation() {
        #expect(WireEncoding.negotiate(offered: []) == (.json, nil))
        #expect(WireEncoding.negotiate(offered: ["roost.v1.binary"]) == (.binary, "roost.v1.binary"))
        #expect(WireEncoding.negotiate(offered: ["mqtt", "roost.v1.json", "roost.v1.binary"]) == (.json, "roost.v1.json"))
        #expect(WireEncoding.negotiate(offered: ["mqtt"]) == (.json, nil))
        #expect(WireEncoding.offeredSubprotocols(headerValue: " roost.v1.binary ,roost.v1.json,, ") == ["roost.v1.binary", "roost.v1.json"])
    }

    @Test func opVocabularyIsOpen() {
        #expect(Op(binaryCode: 0x01) == .publish)
        #expect(Op(binaryCode: 0x85) == .error)
        #expect(Op(binaryCode: 0x40).rawValue == "0x40")
        #expect(Op(rawValue: "future").binaryCode == nil)
        for (op, code) in [(Op.publish, UInt8(1)), (.credit, 7), (.ok, 0x81), (.caughtUp, 0x84)] {
            #expect(op.binaryCode == code)
        }
    }

    @Test func requestIDTokens() {
        #expect(RequestID(jsonToken: "1.50")?.jsonToken == "1.50")
        #expect(RequestID(jsonToken: "\"a\\u0062\"") != nil)
        for bad in ["", " 1", "1 ", "x", "[1]", "true", "null", "\"a", "01", "{}"] {
            #expect(RequestID(jsonToken: bad) == nil, "\(bad)")
        }
        #expect(RequestID("q\"").jsonToken == #""q\"""#)
        #expect(RequestID(-3).jsonToken == "-3")
    }
}
