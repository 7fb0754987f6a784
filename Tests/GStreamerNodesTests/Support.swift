import BuiltInPlugins
import Foundation
import GStreamer
import MediaRouter
import Testing
import TestSupport

/// Every GStreamer node test, one at a time: they time real pipelines on a small machine, and
/// parallel encoders would make the timing checks lie.
@Suite("GStreamer nodes", .serialized, .gstreamerReady)
struct GStreamerNodeTests {}

/// Initializes GStreamer on a thread of its own before the suite runs. The first
/// initialization loads the plugin registry, which takes seconds on a fresh, loaded machine;
/// done by whichever test touches GStreamer first (validation tests are synchronous), it would
/// block one of the cooperative pool's few threads, and so every other test's waits.
struct GStreamerReady: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        try await onDedicatedThread(name: "gst-init") { try GStreamer.initialize() }
        try await function()
    }
}

extension Trait where Self == GStreamerReady {
    /// GStreamer is initialized, off the cooperative pool, before the suite runs.
    static var gstreamerReady: Self { Self() }
}

let registry = NodeRegistry(plugins: builtInPlugins + [CollectSinkPlugin.self, TimedSourcePlugin.self],
                            converters: builtInConverters)

/// Checks a graph and returns its diagnostics, sorted, without running it.
func diagnostics(_ yaml: String, baseDirectory: String = NSTemporaryDirectory()) -> [Diagnostic] {
    GraphLoader(registry: registry).load(text: yaml, file: "g.yaml", baseDirectory: baseDirectory).diagnostics.sorted
}

/// Runs a graph until `condition` holds, then stops it as SIGINT would and waits for it to end.
/// The test fails, saying it was waiting for `what`, if `eventCeiling` passes first: fast
/// on an idle machine, patient on a loaded one. Starting and stopping happen off the
/// cooperative pool.
@discardableResult
func run(_ yaml: String, baseDirectory: String = NSTemporaryDirectory(), until what: String,
         _ condition: (TestGraph) -> Bool, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> TestGraph {
    try await withGraph(yaml, baseDirectory: baseDirectory, sourceLocation: sourceLocation) { graph in
        let held = await eventually { condition(graph) }
        #expect(held, "still waiting for \(what) after \(eventCeiling) s", sourceLocation: sourceLocation)
        return graph
    }
}

/// Starts a graph, runs `body` with it, then stops it as SIGINT would and waits for it to end,
/// also when `body` throws. Starting and stopping happen off the cooperative pool.
func withGraph<T>(_ yaml: String, baseDirectory: String = NSTemporaryDirectory(), sourceLocation: Testing.SourceLocation = #_sourceLocation,
                  _ body: (TestGraph) async throws -> T) async throws -> T {
    let graph = try await TestGraph.start(yaml, registry: registry, baseDirectory: baseDirectory)
    let result: T
    do {
        result = try await body(graph)
    } catch {
        _ = await graph.stopped()
        throw error
    }
    #expect(await graph.stopped(), "the graph did not stop", sourceLocation: sourceLocation)
    return result
}

/// Runs a graph until it ends by itself, failing the test if it has not after `eventCeiling`.
@discardableResult
func runToEnd(_ yaml: String, baseDirectory: String = NSTemporaryDirectory(),
              sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> TestGraph {
    let graph = try await TestGraph.start(yaml, registry: registry, baseDirectory: baseDirectory)
    let ended = await graph.ended()
    #expect(ended, "the graph did not end by itself within \(eventCeiling) s", sourceLocation: sourceLocation)
    if !ended { _ = await graph.stopped() }
    return graph
}

/// Makes a short test video with gst-launch-1.0, waiting for it off the cooperative pool.
func makeVideo(_ path: String, frames: Int, width: Int = 320, height: Int = 240, fps: Int = 30) async throws {
    let r = try await onDedicatedThread { try runProcess("/usr/bin/gst-launch-1.0", ["-q", "videotestsrc", "num-buffers=\(frames)", "pattern=ball", "!",
                                                       "video/x-raw,width=\(width),height=\(height),framerate=\(fps)/1", "!",
                                                       "x264enc", "speed-preset=ultrafast", "!", "h264parse", "!",
                                                       "matroskamux", "!", "filesink", "location=\(path)"], timeout: 60) }
    try #require(r.status == 0, "gst-launch failed: \(r.stderr)")
}

/// What gst-discoverer-1.0 says about a file, waiting for it off the cooperative pool.
func discovered(_ path: String) async throws -> DiscoveredMedia {
    try await onDedicatedThread { try discover(path) }
}

/// The video frames in a file, counted by gst-launch-1.0 off the cooperative pool.
func frameCount(_ path: String) async throws -> Int {
    try await onDedicatedThread { try countFrames(path) }
}

/// Files in a folder with one of the extensions, sorted by name, as full paths.
func files(in folder: String, ext: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        .filter { $0.hasSuffix("." + ext) }
        .sorted()
        .map { (folder as NSString).appendingPathComponent($0) }
}

/// The middle value: robust against the odd late frame of a loaded machine.
func median(_ values: [Int64]) -> Int64 {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

/// `test.timed`: emits frames with timestamps the test chooses, as fast as they are taken, to
/// check that recordings follow frame times rather than arrival times or frame counts.
struct TimedSourcePlugin: NodePlugin {
    static let kind = "test.timed"
    static let summary = "Emit frames with given gaps between their timestamps"
    static let role = NodeRole.source
    static let options: [OptionSpec] = [
        OptionSpec("gaps_ms", .list(.int(0...100_000)), required: true, doc: "milliseconds between consecutive frame timestamps"),
        OptionSpec("width", .int(1...4096), default: .int(320), doc: "frame width"),
        OptionSpec("height", .int(1...4096), default: .int(240), doc: "frame height"),
        OptionSpec("duration_ms", .double(0...10_000), default: .double(1000.0 / 30), doc: "nominal frame duration"),
        OptionSpec("resize_after", .int(0...100_000), default: .int(0), doc: "frames after this many are twice as wide and high; 0: never"),
    ]

    static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw] }

    static func make(_ context: NodeContext) throws -> any Node {
        let gaps = context.options.list("gaps_ms").compactMap { v -> Int64? in
            if case .int(let i) = v { return Int64(i) }
            return nil
        }
        return TimedSource(gaps: gaps, width: context.options.int("width") ?? 320, height: context.options.int("height") ?? 240,
                           duration: Int64((context.options.double("duration_ms") ?? 33.3) * 1e6),
                           resizeAfter: context.options.int("resize_after") ?? 0)
    }
}

final class TimedSource: SendableNode {
    let gaps: [Int64]
    let width: Int
    let height: Int
    let duration: Int64
    let resizeAfter: Int

    init(gaps: [Int64], width: Int, height: Int, duration: Int64, resizeAfter: Int) {
        self.gaps = gaps
        self.width = width
        self.height = height
        self.duration = duration
        self.resizeAfter = resizeAfter
    }

    func run(_ io: NodeIO) throws {
        var timestamp = Clock.wallNanoseconds()
        for (i, gap) in ([0] + gaps).enumerated() {
            timestamp += gap * 1_000_000
            let scale = resizeAfter > 0 && i >= resizeAfter ? 2 : 1
            let (w, h) = (width * scale, height * scale)
            let payload = FramePayload.make(count: w * h * 3) { buffer in
                for j in 0..<buffer.count { buffer[j] = UInt8(truncatingIfNeeded: j / 3 + i * 8) }
            }
            io.emit(Frame(format: .bgr, width: w, height: h, payload: payload, timestamp: timestamp,
                          sequence: UInt64(i), duration: duration))
        }
    }
}
