import RoostProtocol
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Error-code registry")
struct ErrorCodeTests {
    /// Reads Docs/protocol.md next to the package (found from this file's path) without Foundation.
    static func protocolDoc() throws -> String {
        let testFile = "\(#filePath)"
        var parts = testFile.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/RoostProtocolTests/ErrorCodeTests.swift
        let path = parts.joined(separator: "/") + "/Docs/protocol.md"
        let file = try #require(fopen(path, "r"), "cannot open \(path)")
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

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
        // Rows of the error table look like: | `code` | meaning |
        let rows = try Self.protocolDoc().split(separator: "\n").filter { $0.hasPrefix("| `") }
        var documented: [String: String] = [:]
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingSpaces }
            guard cells.count >= 2, cells[0].hasPrefix("`"), cells[0].hasSuffix("`") else { continue }
            let code = String(cells[0].dropFirst().dropLast())
            if ErrorCode(rawValue: code).info != nil || code.contains("_") || code == "internal" {
                documented[code] = cells[1]
            }
        }
        let registry = Dictionary(uniqueKeysWithValues: ErrorCode.all.map { ($0.code.rawValue, $0.meaning) })
        #expect(Set(documented.keys) == Set(registry.keys))
        for (code, meaning) in registry {
            #expect(documented[code] == meaning, "meaning of \(code)")
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
