// swift-tools-version:6.2
import PackageDescription

// Dependencies point one way: C libraries -> Swift wrappers -> plugins -> BuiltInPlugins -> CLI.
// Primitives (locks, edit distance) depends on nothing; the wrappers and the core use it.
// The core (MediaRouter) imports no C module and no plugin.
#if arch(arm64)
let multiarch = "aarch64-linux-gnu"
#else
let multiarch = "x86_64-linux-gnu"
#endif
let gstIncludes = ["/usr/include/gstreamer-1.0", "/usr/include/glib-2.0",
                   "/usr/lib/\(multiarch)/glib-2.0/include", "/usr/include/\(multiarch)"]
let gstCSettings: [CSetting] = [.unsafeFlags(gstIncludes.map { "-I" + $0 })]
let gstSwiftSettings: [SwiftSetting] = [.unsafeFlags(gstIncludes.flatMap { ["-Xcc", "-I" + $0] })]

let package = Package(
    name: "media-router",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "media-router", targets: ["media-router"]),
        .executable(name: "media-router-bench", targets: ["media-router-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        // The control plane: HTTP server, Prometheus text, and an HTTP client for its tests.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
    ],
    targets: [
        // System libraries: one pkg-config name each.
        // zmq, sodium and turbojpeg headers live in /usr/include; their pkg-config files add flags
        // SwiftPM refuses (and warns about), so they are not consulted.
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CSodium", path: "Sources/CSodium",
                       providers: [.apt(["libsodium-dev"])]),
        // GStreamer's pkg-config adds -pthread, which SwiftPM refuses with a warning; its include
        // folders are given below instead (Debian's multiarch layout).
        .systemLibrary(name: "CGStreamer", path: "Sources/CGStreamer",
                       providers: [.apt(["libgstreamer1.0-dev"])]),
        .systemLibrary(name: "CGStreamerApp", path: "Sources/CGStreamerApp",
                       providers: [.apt(["libgstreamer-plugins-base1.0-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .target(name: "CGStreamerShims", dependencies: ["CGStreamer", "CGStreamerApp"],
                path: "Sources/CGStreamerShims", cSettings: gstCSettings),

        // Locks and edit distance, shared by the wrappers and the core; depends on nothing.
        .target(name: "Primitives", path: "Sources/Primitives"),

        // Swift wrappers over the C libraries.
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ", "CSodium", "Primitives"], path: "Sources/ZeroMQ", exclude: ["README.md"]),
        .target(name: "GStreamer", dependencies: ["CGStreamer", "CGStreamerApp", "CGStreamerShims", "Primitives"],
                path: "Sources/GStreamer", exclude: ["README.md"], swiftSettings: gstSwiftSettings),
        .target(name: "TurboJPEG", dependencies: ["CTurboJPEG"], path: "Sources/TurboJPEG"),

        // The age v1 file format (encrypted recordings): framing ours, cryptography swift-crypto's.
        .target(name: "Age", dependencies: [.product(name: "Crypto", package: "swift-crypto")], path: "Sources/Age"),

        // The core: frames, nodes, graphs, runtime. No C imports.
        .target(name: "MediaRouter", dependencies: [
            "Primitives",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
        ], path: "Sources/MediaRouter"),

        // Frame codecs (JPEG) and the ordered encoder pool, shared by the plugins that encode or
        // decode frames: plugins must not depend on each other.
        .target(name: "FrameCodecs", dependencies: ["MediaRouter", "TurboJPEG"], path: "Sources/FrameCodecs"),

        // Plugins.
        .target(name: "FrameNodes", dependencies: ["MediaRouter", "FrameCodecs", "TurboJPEG"], path: "Plugins/FrameNodes"),
        .target(name: "NetGear", dependencies: ["MediaRouter", "ZeroMQ", "TurboJPEG", "FrameCodecs",
                                               .product(name: "Logging", package: "swift-log")], path: "Plugins/NetGear"),
        .target(name: "GStreamerNodes", dependencies: ["MediaRouter", "GStreamer", "Age", .product(name: "Logging", package: "swift-log")],
                path: "Plugins/GStreamerNodes"),
        .target(name: "BuiltInPlugins", dependencies: ["MediaRouter", "FrameCodecs", "FrameNodes", "NetGear", "GStreamerNodes"],
                path: "Plugins/BuiltInPlugins"),

        // The control plane: HTTP API, metrics, dashboard and previews over a running GraphService.
        .target(name: "ControlPlane", dependencies: [
            "MediaRouter", "ZeroMQ", "TurboJPEG",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Sources/ControlPlane"),

        // Command-line tools.
        .executableTarget(name: "media-router", dependencies: [
            "MediaRouter", "BuiltInPlugins", "NetGear", "ZeroMQ", "Age", "ControlPlane",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Sources/media-router"),
        .executableTarget(name: "media-router-bench", dependencies: [
            "MediaRouter", "BuiltInPlugins", "FrameCodecs", "ZeroMQ", "NetGear", "TurboJPEG", "Age", "ControlPlane",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/media-router-bench"),

        // Tests: one target per module, plus end-to-end tests that run real graphs.
        .target(name: "TestSupport", dependencies: ["MediaRouter", .product(name: "Logging", package: "swift-log")], path: "Tests/TestSupport"),
        .testTarget(name: "PrimitivesTests", dependencies: ["Primitives", "MediaRouter", "TestSupport"]),
        .testTarget(name: "MediaRouterTests", dependencies: ["MediaRouter", "BuiltInPlugins", "TestSupport"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "MediaRouter", "TestSupport"]),
        .testTarget(name: "GStreamerTests", dependencies: ["GStreamer", "MediaRouter", "TestSupport"]),
        .testTarget(name: "FrameNodesTests", dependencies: ["FrameNodes", "TurboJPEG", "MediaRouter", "TestSupport"]),
        .testTarget(name: "NetGearTests", dependencies: ["NetGear", "ZeroMQ", "MediaRouter", "BuiltInPlugins", "TestSupport"]),
        .testTarget(name: "GStreamerNodesTests", dependencies: ["GStreamerNodes", "GStreamer", "MediaRouter", "BuiltInPlugins", "TestSupport"]),
        .testTarget(name: "AgeTests", dependencies: ["Age", "TestSupport"], exclude: ["testdata"]),
        .testTarget(name: "ControlPlaneTests", dependencies: [
            "ControlPlane", "MediaRouter", "BuiltInPlugins", "ZeroMQ", "TurboJPEG", "TestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ], exclude: ["Browser"]),
        .testTarget(name: "EndToEndTests", dependencies: ["MediaRouter", "BuiltInPlugins", "TestSupport"]),
    ]
)
