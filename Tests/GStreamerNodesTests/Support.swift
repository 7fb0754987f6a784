import BuiltInPlugins
import Foundation
import MediaRouter
import Testing
import TestSupport

/// Every GStreamer node test, one at a time: they time real pipelines on a small machine, and
/// parallel encoders would make the timing checks lie.
@Suite("GStreamer nodes", .serialized)
struct GStreamerNodeTests {}

let registry = NodeRegistry(plugins: builtInPlugins + [CollectSinkPlugin.self, TimedSourcePlugin.self],
                            converters: builtInConverters)

/// Checks a graph and returns its diagnostics, sorted, without running it.
func diagnostics(_ yaml: String, baseDirectory: String = NSTemporaryDirectory()) -> [Diagnostic] {
    GraphLoader(registry: registry).load(text: yaml, file: "g.yaml", baseDirectory: baseDirectory).diagnostics.sorted
}

/// Runs a graph for `seconds`, then stops it as SIGINT would, and waits for it to end.
@discardableResult
func run(_ yaml: String, for seconds: Double, baseDirectory: String = NSTemporaryDirectory()) throws -> TestGraph {
    let graph = try TestGraph(yaml, registry: registry, baseDirectory: baseDirectory)
    Thread.sleep(forTimeInterval: seconds)
    #expect(graph.stop(timeout: 15), "the graph did not stop")
    return graph
}

/// Runs a graph until it ends by itself.
@discardableResult
func runToEnd(_ yaml: String, timeout: Double = 20, baseDirectory: String = NSTemporaryDirectory()) throws -> TestGraph {
    let graph = try TestGraph(yaml, registry: registry, baseDirectory: baseDirectory)
    let ended = graph.runtime.wait(timeout: timeout)
    #expect(ended, "the graph did not end by itself")
    if !ended { graph.stop() }
    return graph
}

/// Makes a short test video with gst-launch-1.0.
func makeVideo(_ path: String, frames: Int, width: Int = 320, height: Int = 240, fps: Int = 30) throws {
    let r = try runProcess("/usr/bin/gst-launch-1.0", ["-q", "videotestsrc", "num-buffers=\(frames)", "pattern=ball", "!",
                                                       "video/x-raw,width=\(width),height=\(height),framerate=\(fps)/1", "!",
                                                       "x264enc", "speed-preset=ultrafast", "!", "h264parse", "!",
                                                       "matroskamux", "!", "filesink", "location=\(path)"], timeout: 60)
    try #require(r.status == 0, "gst-launch failed: \(r.stderr)")
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

final class TimedSource: Node {
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
