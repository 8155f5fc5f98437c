// swift-tools-version: 6.0
// libFuzzer harnesses for Roost's parsers. A package of its own so that the main build never sees the fuzzer
// entry points; built and run by `make fuzz` (see Docs/reliability.md):
//
//   swift build --package-path Tests/Fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//
// Debug builds compile Roost with testing enabled, so harnesses may `@testable import` internal parsers.
import Foundation
import PackageDescription

// A path dependency's identity is its directory name, which differs between checkouts (worktrees).
let rootPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let root = rootPath.lastPathComponent.lowercased()

func harness(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "RoostServer", package: root)] + dependencies,
        swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
    )
}

let package = Package(
    name: "RoostFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: rootPath.path),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(name: "FuzzSupport"),
        harness("FuzzJSONFrames", [.product(name: "NIOCore", package: "swift-nio")]),
        harness("FuzzBinaryFrames", [.product(name: "NIOCore", package: "swift-nio")]),
        harness("FuzzRecordBatch", [.product(name: "NIOCore", package: "swift-nio")]),
        harness("FuzzWebSocketFrames", [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
        harness("FuzzHandshake", [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
