import Foundation
import MediaRouter
import Testing
import TestSupport

extension GStreamerNodeTests {
    @Suite("gst.capture")
    struct CaptureTests {
        @Test("a live source gives frames of the configured size, format and rate")
        func liveSourceFrames() async throws {
            resetCollected("cap-live")
            let started = Clock.wallNanoseconds()
            let graph = try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true pattern=ball
                    width: 320
                    height: 240
                    framerate: 15
                  out:
                    kind: test.collect
                    key: cap-live
                    input: cam
                """, until: "20 frames") { _ in collected("cap-live").count >= 20 }
            let finished = Clock.wallNanoseconds()
            let frames = collected("cap-live")
            #expect(frames.count >= 20, "\(frames.count) frames")
            for f in frames {
                #expect(f.format == .bgr && f.width == 320 && f.height == 240 && f.byteCount == 320 * 240 * 3)
            }
            #expect(frames.map(\.sequence) == (0..<UInt64(frames.count)).map { $0 })
            let gaps = zip(frames.dropFirst(), frames).map { $0.timestamp - $1.timestamp }
            #expect(gaps.allSatisfy { $0 > 0 }, "timestamps must increase")
            #expect(abs(median(gaps) - 66_666_667) < 5_000_000, "median spacing \(median(gaps)) ns")
            // Wall-clock capture times fall within the run (pipeline running times would be near
            // 0). They count from the first frame's arrival, so the delay of that first delivery
            // may put them all a little later than the frames' real capture: allow a second.
            let span = (frames.first?.timestamp ?? 0)...(frames.last?.timestamp ?? 0)
            #expect(span.lowerBound >= started && span.upperBound <= finished + 1_000_000_000,
                    "timestamps are wall-clock capture times: \(span) for a run in \(started)...\(finished)")
            #expect(graph.counters("cam")?.framesOut.load(ordering: .relaxed) == frames.count)
        }

        @Test("frames are tightly packed whatever GStreamer's row padding", arguments: [
            ("GRAY8", 322, 242, 322 * 242),
            ("BGR", 322, 240, 322 * 240 * 3),
            ("I420", 322, 242, 322 * 242 + 2 * 161 * 121),
            ("NV12", 318, 238, 318 * 238 + 2 * 159 * 119),
            ("RGBA", 321, 240, 321 * 240 * 4),
        ])
        func tightlyPacked(format: String, width: Int, height: Int, bytes: Int) async throws {
            let key = "cap-tight-\(format)"
            resetCollected(key)
            try await runToEnd("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc num-buffers=5
                    width: \(width)
                    height: \(height)
                    format: \(format)
                    realtime: false
                  out:
                    kind: test.collect
                    key: \(key)
                    input: cam
                """)
            let frames = collected(key)
            #expect(frames.count == 5)
            for f in frames {
                #expect(f.format.name == format && f.width == width && f.height == height && f.byteCount == bytes)
            }
        }

        @Test("a GRAY8 frame's rows line up after repacking")
        func repackedRows() async throws {
            resetCollected("cap-rows")
            // The top two thirds of SMPTE bars are the same on every row, so a misplaced row start
            // shows up as a difference between rows 0 and 1 (GStreamer pads these rows to 324 bytes).
            try await runToEnd("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc num-buffers=1 pattern=smpte
                    width: 322
                    height: 4
                    format: GRAY8
                  out:
                    kind: test.collect
                    key: cap-rows
                    keep: true
                    input: cam
                """)
            let frame = try #require(collected("cap-rows").first)
            let bytes = try #require(frame.payload).bytes
            #expect(bytes.count == 322 * 4)
            #expect(Array(bytes[0..<322]) == Array(bytes[322..<644]))
            #expect(Set(bytes[0..<322]).count > 2, "the row holds several bars")
        }

        @Test("format JPEG emits JPEG frames")
        func jpegFrames() async throws {
            resetCollected("cap-jpeg")
            try await runToEnd("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc num-buffers=3
                    width: 160
                    height: 120
                    format: JPEG
                    quality: 50
                  out:
                    kind: test.collect
                    key: cap-jpeg
                    input: cam
                """)
            let frames = collected("cap-jpeg")
            #expect(frames.count == 3)
            for f in frames {
                #expect(f.format == .jpeg && f.width == 160 && f.height == 120)
                #expect(Array(f.head.prefix(2)) == [0xFF, 0xD8], "a JPEG starts with SOI")
            }
        }

        @Test("a live source that fails is restarted with backoff while the graph runs on")
        func restartsLiveSource() async throws {
            try await withGraph("""
                nodes:
                  cam:
                    kind: gst.capture
                    device: /dev/video-that-is-not-there
                    restart: {policy: on-failure, backoff: 200ms, max_backoff: 400ms}
                  out:
                    kind: frame.discard
                    input: cam
                  gen:
                    kind: frame.generate
                    framerate: 30
                    width: 32
                    height: 32
                  sink:
                    kind: frame.discard
                    input: gen
                """) { graph in
                #expect(await eventually { (graph.counters("cam")?.extra("restarts") ?? 0) >= 3 }, "three restarts")
                // The graph runs on: frames keep flowing after the third restart.
                let sunk = { graph.counters("sink")?.framesOut.load(ordering: .relaxed) ?? 0 }
                let afterRestarts = sunk()
                #expect(await eventually { sunk() > afterRestarts + 10 }, "frames after the restarts: \(sunk() - afterRestarts)")
                #expect(graph.runtime.failures.isEmpty && !graph.runtime.isFinished)
            }
        }

        @Test("a source that already gives JPEG is passed through, not encoded again")
        func jpegPassthrough() async throws {
            // Quality 5 makes tiny JPEGs; re-encoded at quality 100 they would be far larger.
            func sizes(_ source: String) async throws -> [Int] {
                let key = "cap-pass-\(source.hashValue)"
                resetCollected(key)
                try await runToEnd("""
                    nodes:
                      cam:
                        kind: gst.capture
                        source: \(source)
                        format: JPEG
                        quality: 100
                      out:
                        kind: test.collect
                        key: \(key)
                        input: cam
                    """)
                let frames = collected(key)
                #expect(frames.allSatisfy { $0.format == .jpeg && $0.width == 320 && $0.height == 240 })
                return frames.map(\.byteCount)
            }
            let direct = try await sizes("videotestsrc num-buffers=3 ! video/x-raw,width=320,height=240 ! jpegenc quality=5")
            // identity links to image/jpeg when the description is parsed but cannot give it, so
            // this one fails to negotiate and falls back to encoding.
            let encoded = try await sizes("videotestsrc num-buffers=3 ! video/x-raw,width=320,height=240 ! identity")
            #expect(direct.count == 3 && encoded.count == 3)
            #expect(direct.max() ?? .max < (encoded.min() ?? 0) / 2, "passed through \(direct), encoded \(encoded)")
        }

        @Test("a file source ends the stream at its end")
        func fileEnds() async throws {
            let dir = TestPaths.temporaryDirectory("cap-file")
            try await makeVideo(dir + "/clip.mkv", frames: 30)
            resetCollected("cap-file")
            let started = Date()
            try await runToEnd("""
                nodes:
                  cam:
                    kind: gst.capture
                    file: clip.mkv
                  out:
                    kind: test.collect
                    key: cap-file
                    input: cam
                """, baseDirectory: dir)
            let elapsed = Date().timeIntervalSince(started)
            let frames = collected("cap-file")
            #expect(frames.count == 30)
            #expect(frames.first?.width == 320 && frames.first?.height == 240)
            #expect(frames.first?.byteCount == 320 * 240 * 3)
            #expect(elapsed > 0.8, "realtime playback of a 1 s file took \(elapsed) s")
            let span = (frames.last?.timestamp ?? 0) - (frames.first?.timestamp ?? 0)
            #expect(abs(span - 29 * 33_333_333) < 2_000_000, "timestamps follow the file: span \(span) ns")
            #expect(frames.allSatisfy { $0.byteCount > 0 })
        }

        @Test("loop: true starts the file again with timestamps that keep increasing")
        func fileLoops() async throws {
            let dir = TestPaths.temporaryDirectory("cap-loop")
            try await makeVideo(dir + "/clip.mkv", frames: 10)
            resetCollected("cap-loop")
            try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    file: clip.mkv
                    loop: true
                    realtime: false
                  out:
                    kind: test.collect
                    key: cap-loop
                    input: cam
                """, baseDirectory: dir, until: "35 frames from a looping 10-frame file") { _ in collected("cap-loop").count >= 35 }
            let frames = collected("cap-loop")
            let gaps = zip(frames.dropFirst(), frames).map { $0.timestamp - $1.timestamp }
            #expect(gaps.allSatisfy { $0 > 0 })
            #expect(gaps.allSatisfy { abs($0 - 33_333_333) < 2_000_000 }, "a loop continues one frame later: \(gaps.filter { abs($0 - 33_333_333) >= 2_000_000 })")
            #expect(frames.map(\.sequence) == (0..<UInt64(frames.count)).map { $0 })
        }
    }
}
