// swift-tools-version: 6.0
// Roost: a pub/sub message broker that speaks WebSocket.
//
// The targets are the architecture, and dependencies point one way:
//   RoostStorage <- RoostBroker <- RoostServer -> RoostProtocol <- RoostClient
// with RoostCLI (behind the `roost` executable) on top of all of them.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "roost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "roost", targets: ["roost"]),
        .library(name: "RoostServer", targets: ["RoostServer"]),
        .library(name: "RoostClient", targets: ["RoostClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Security: hashing of static tokens (swift-crypto 4 because jwt-kit 5 requires it), JWT verification, TLS.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // System libraries: liblz4 (Debian liblz4-dev) and libxxhash (Debian libxxhash-dev).
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),

        // The log: segments, record batches, indexes, recovery, retention. No networking.
        .target(
            name: "RoostStorage",
            dependencies: [
                "CLZ4", "CXXHash",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: swiftSettings
        ),

        // Topics, consumers, delivery, flow control, dedup, dead letters. No WebSocket, no wire codes.
        .target(
            name: "RoostBroker",
            dependencies: [
                "RoostStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: swiftSettings
        ),

        // Wire protocol v1: frame types and their JSON and binary codecs. Shared by server and client.
        .target(
            name: "RoostProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Authentication (static tokens, JWT), per-topic permissions, rate limits, origin policy. Pure values and
        // checks: no networking, no broker.
        .target(
            name: "RoostSecurity",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),

        // The WebSocket and HTTP frontend (SwiftNIO): wire protocol over /v1/ws, health, metrics, admin API.
        .target(
            name: "RoostServer",
            dependencies: [
                "RoostBroker", "RoostProtocol", "RoostStorage", "RoostSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),

        // The Swift client library: WebSocket client on SwiftNIO, publish/subscribe, reconnect and resume.
        .target(
            name: "RoostClient",
            dependencies: [
                "RoostProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test support shipped with the product: manual clock, temporary directories.
        .target(
            name: "RoostTesting",
            dependencies: [
                "RoostStorage",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // The `roost` command line: serve, pub, sub, topics, consumers, stats, bench, log.
        .target(
            name: "RoostCLI",
            dependencies: [
                "RoostStorage", "RoostBroker", "RoostServer", "RoostClient", "RoostProtocol", "RoostSecurity",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // jemalloc replaces glibc malloc in the roost process: glibc's arena locks and cross-thread frees cost the
        // broker 30-45% of its CPU per publish (Docs/benchmarks.md, "Allocator"). Tests keep the system allocator.
        .executableTarget(
            name: "roost",
            dependencies: ["RoostCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings,
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),

        .testTarget(
            name: "RoostProtocolTests",
            dependencies: [
                "RoostProtocol", "RoostTesting",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RoostBrokerTests",
            dependencies: [
                "RoostBroker", "RoostStorage", "RoostTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RoostSecurityTests",
            dependencies: [
                "RoostSecurity", "RoostTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RoostClientTests",
            dependencies: [
                "RoostClient", "RoostProtocol", "RoostServer", "RoostTesting", "RoostSecurity",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RoostCLITests",
            dependencies: [
                "RoostCLI", "RoostClient", "RoostProtocol", "RoostServer", "RoostStorage", "RoostTesting", "RoostSecurity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RoostStorageTests",
            dependencies: ["RoostStorage", "RoostTesting"],
            swiftSettings: swiftSettings
        ),
        // Fault injection, corruption and crash tests (Docs/reliability.md); the crash checker is a script.
        .testTarget(
            name: "RoostReliabilityTests",
            dependencies: [
                "RoostStorage", "RoostBroker", "RoostTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            exclude: ["Scripts"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RoostServerTests",
            dependencies: [
                "RoostServer", "RoostBroker", "RoostStorage", "RoostProtocol", "RoostTesting", "RoostSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Scripts", "Python"],
            swiftSettings: swiftSettings
        ),
    ]
)
