import RoostProtocol
import Testing

@Suite("Error-code registry")
struct ErrorCodeTests {
    @Test func codesAreUniqueSnakeCase() {
        let codes = ErrorCode.all.map(\.code.rawValue)
        #expect(Set(codes).count == codes.count)
        for code in codes {
            #expect(code.allSatisfy { ("a"..."z").contains($0) || $0 == "_" }, "\(code)")
        }
        for info in ErrorCode.all {
            #expect(!info.meaning.isEmpty && !info.defaultMessage.isEmpty)
            #expect(info.code.defaultMessage == info.defaultMessage)
        }
        #expect(ErrorCode(rawValue: "nope").info == nil)
    }

    @Test func docTableMatchesRegistry() throws {
        // The table in the "## Error codes" section; rows look like: | `code` | meaning | default message |
        let lines = try ProtocolDocTests.protocolDoc().split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("## Error codes") })
        let section = lines[(start + 1)...].prefix { !$0.hasPrefix("## ") }
        var documented: [String: (meaning: String, message: String)] = [:]
        for row in section where row.hasPrefix("| `") {
            let cells = row.split(separator: "|").map { $0.trimmingSpaces }
            guard cells.count >= 3 else { continue }
            let code = String(cells[0].dropFirst().dropLast())
            #expect(documented[code] == nil, "\(code) documented twice")
            documented[code] = (cells[1], String(cells[2].dropFirst().dropLast()))
        }
        #expect(Set(documented.keys) == Set(ErrorCode.all.map(\.code.rawValue)))
        for info in ErrorCode.all {
            #expect(documented[info.code.rawValue]?.meaning == info.meaning, "meaning of \(info.code)")
            #expect(documented[info.code.rawValue]?.message == info.defaultMessage, "message of \(info.code)")
        }
    }
}

extension Substring {
    var trimmingSpaces: String {
        var view = self
        while view.first == " " { view = view.dropFirst() }
        while view.last == " " { view = view.dropLast() }
        return String(view)
    }
}
