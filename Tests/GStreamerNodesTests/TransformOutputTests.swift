import Foundation
import MediaRouter
import Testing
import TestSupport

extension GStreamerNodeTests {
    @Suite("gst.transform")
    struct TransformTests {
        @Test("a fragment changes the frame size")
        func scales() async throws {
            resetCollected("tr-scale")
            try await runToEnd("""
                nodes:
                  gen:
                    kind: frame.generate
                    width: 640
                    height: 480
                    framerate: 0
                    count: 10
                  small:
                    kind: gst.transform
                    input: {node: gen, queue: {policy: block}}
                    pipeline: videoscale ! video/x-raw,width=320,height=240
                  out:
                    kind: test.collect
                    key: tr-scale
                    input: small
                """)
            let frames = collected("tr-scale")
            #expect(frames.count == 10)
            for f in frames { #expect(f.format == .bgr && f.width == 320 && f.height == 240 && f.byteCount == 320 * 240 * 3) }
            #expect(frames.map(\.sequence) == Array(0..<10))
        }

        @Test("videoflip mirrors the picture, and output width, height and format apply")
        func flips() async throws {
            resetCollected("tr-flip")
            // frame.generate draws an 8-pixel white bar at x = 0 in its first frame; mirrored, it
            // is at the right edge.
            try await runToEnd("""
                nodes:
                  gen:
                    kind: frame.generate
                    width: 64
                    height: 8
                    framerate: 0
                    count: 1
                  flip:
                    kind: gst.transform
                    input: gen
                    pipeline: videoflip
                    properties:
                      method: horizontal-flip
                  out:
                    kind: test.collect
                    key: tr-flip
                    keep: true
                    input: flip
                """)
            let frame = try #require(collected("tr-flip").first)
            let bytes = try #require(frame.payload).bytes
            #expect(frame.width == 64 && bytes.count == 64 * 8 * 3)
            #expect(bytes[0] != 255, "the left edge is no longer white")
            #expect(bytes[(63 * 3)] == 255 && bytes[(56 * 3)] == 255, "the bar is at the right edge")

            resetCollected("tr-gray")
            try await runToEnd("""
                nodes:
                  gen:
                    kind: frame.generate
                    width: 64
                    height: 48
                    framerate: 0
                    count: 3
                  gray:
                    kind: gst.transform
                    input: gen
                    pipeline: videobalance saturation=0
                    format: GRAY8
                    width: 30
                    height: 20
                  out:
                    kind: test.collect
                    key: tr-gray
                    input: gray
                """)
            let gray = collected("tr-gray")
            #expect(gray.count == 3)
            #expect(gray.allSatisfy { $0.format == .gray8 && $0.width == 30 && $0.height == 20 && $0.byteCount == 600 })
        }

        @Test("a change of input size renegotiates the pipeline")
        func renegotiates() async throws {
            resetCollected("tr-resize")
            try await runToEnd("""
                nodes:
                  src:
                    kind: test.timed
                    gaps_ms: [33, 33, 33, 33, 33, 33, 33, 33, 33]
                    width: 64
                    height: 48
                    resize_after: 5
                  flip:
                    kind: gst.transform
                    input: {node: src, queue: {policy: block}}
                    pipeline: videoflip method=vertical-flip
                    format: RGB
                  out:
                    kind: test.collect
                    key: tr-resize
                    input: flip
                """)
            let sizes = collected("tr-resize").map { "\($0.format) \($0.width)x\($0.height) \($0.byteCount)" }
            #expect(sizes == Array(repeating: "RGB 64x48 9216", count: 5) + Array(repeating: "RGB 128x96 36864", count: 5))
        }

        @Test("a fragment may change the frame count; timestamps stay capture times")
        func changesRate() async throws {
            resetCollected("tr-rate")
            let before = Clock.wallNanoseconds()
            // test.timed gives 30 frames 33 ms apart whatever the load; frame.generate would
            // stamp a frame it emits late with its late emission time.
            try await runToEnd("""
                nodes:
                  gen:
                    kind: test.timed
                    gaps_ms: [\(Array(repeating: "33", count: 29).joined(separator: ", "))]
                    width: 160
                    height: 120
                  slow:
                    kind: gst.transform
                    input: {node: gen, queue: {policy: block}}
                    pipeline: videorate ! video/x-raw,framerate=10/1
                  out:
                    kind: test.collect
                    key: tr-rate
                    input: slow
                """)
            let frames = collected("tr-rate")
            #expect((9...11).contains(frames.count), "\(frames.count) frames from 1 s at 10 fps")
            let gaps = zip(frames.dropFirst(), frames).map { $0.timestamp - $1.timestamp }
            #expect(gaps.allSatisfy { abs($0 - 100_000_000) < 10_000_000 }, "\(gaps)")
            #expect(frames.first.map { $0.timestamp >= before } == true)
            #expect(frames.map(\.sequence) == (0..<UInt64(frames.count)).map { $0 })
        }
    }

    @Suite("gst.output")
    struct OutputTests {
        @Test("frames go into a sink description, encoders included")
        func sinks() async throws {
            let taken = { (graph: TestGraph, node: String) in graph.counters(node)?.framesOut.load(ordering: .relaxed) ?? 0 }
            let graph = try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true
                    width: 320
                    height: 240
                    framerate: 30
                  show:
                    kind: gst.output
                    input: cam
                    sink: fakesink
                  stream:
                    kind: gst.output
                    input: cam
                    sink: x264enc tune=zerolatency speed-preset=ultrafast ! rtph264pay ! udpsink host=127.0.0.1 port=\(freePort())
                """, until: "20 frames into each sink") { graph in taken(graph, "show") >= 20 && taken(graph, "stream") >= 20 }
            #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
            for node in ["show", "stream"] {
                let out = taken(graph, node)
                #expect(out >= 20, "\(node) took \(out) frames")
            }
        }

        @Test("a sink that cannot start fails the start with GStreamer's reason")
        func startFailure() async throws {
            let dir = TestPaths.temporaryDirectory("out-fail")
            await #expect {
                try await TestGraph.start("""
                    nodes:
                      cam:
                        kind: gst.capture
                      save:
                        kind: gst.output
                        input: cam
                        sink: filesink location=\(dir)/missing/x.raw
                    """, registry: registry)
            } throws: { error in
                let text = "\(error)"
                return text.contains("node 'save' (gst.output) failed to start") && text.contains("Could not open file")
            }
        }
    }
}
