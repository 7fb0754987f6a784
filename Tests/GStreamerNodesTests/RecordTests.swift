import Foundation
import MediaRouter
import Testing
import TestSupport

/// The byte size and presentation time of every frame in a file, by demuxing it without decoding
/// (gst-launch-1.0, waited for off the cooperative pool).
func demuxedFrames(_ path: String) async throws -> [(bytes: Int, pts: Double)] {
    let r = try await onDedicatedThread {
        try runProcess("/usr/bin/gst-launch-1.0", ["filesrc", "location=\(path)", "!", "parsebin", "!",
                                                  "fakesink", "silent=false", "-v"], timeout: 60)
    }
    let regex = try NSRegularExpression(pattern: #"chain   \*+ \(fakesink[^)]*\) \(([0-9]+) bytes, dts: [^,]*, pts: ([0-9]+):([0-9]+):([0-9.]+)"#)
    let text = r.stdout as NSString
    return regex.matches(in: r.stdout, range: NSRange(location: 0, length: text.length)).compactMap { m in
        let field = { (i: Int) in text.substring(with: m.range(at: i)) }
        guard let bytes = Int(field(1)), let h = Double(field(2)), let min = Double(field(3)), let s = Double(field(4)) else { return nil }
        return (bytes, h * 3600 + min * 60 + s)
    }
}

/// How long a recording plays. gst-discoverer reports 0 for MPEG-TS files under a few hundred
/// kilobytes (tsdemux finds no duration in so little data), so those are timed by their frames.
func playedDuration(_ path: String, _ media: DiscoveredMedia) async throws -> Double {
    guard media.durationSeconds == 0, path.hasSuffix(".ts") else { return media.durationSeconds }
    let pts = try await demuxedFrames(path).map(\.pts)
    guard let first = pts.min(), let last = pts.max() else { return 0 }
    return last - first + (media.framerate.map { 1 / $0 } ?? 0)
}

extension GStreamerNodeTests {
    @Suite("gst.record")
    struct RecordTests {
        struct Format: Sendable, CustomTestStringConvertible {
            var container: String
            var codec: String
            var codecName: String
            var testDescription: String { "\(container)/\(codec)" }
        }

        @Test("a recording of 2 s or more has the right duration, size, codec and frame rate", arguments: [
            Format(container: "mkv", codec: "h264", codecName: "h264"),
            Format(container: "mp4", codec: "h264", codecName: "h264"),
            Format(container: "ts", codec: "h264", codecName: "h264"),
            Format(container: "mkv", codec: "vp8", codecName: "vp8"),
        ])
        func records(format: Format) async throws {
            let dir = TestPaths.temporaryDirectory("rec-\(format.container)-\(format.codec)")
            let graph = try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true pattern=ball
                    width: 320
                    height: 240
                    framerate: 30
                  rec:
                    kind: gst.record
                    input: cam
                    path: clips/{node}-%H%M%S.\(format.container)
                    codec: \(format.codec)
                """, baseDirectory: dir, until: "2 s of frames (60) pushed into the recorder") { graph in
                (graph.counters("rec")?.framesOut.load(ordering: .relaxed) ?? 0) >= 60
            }
            let pushed = graph.counters("rec")?.framesOut.load(ordering: .relaxed) ?? 0
            #expect(pushed >= 60)
            #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
            let recorded = files(in: dir + "/clips", ext: format.container)
            try #require(recorded.count == 1, "\(recorded)")
            let file = recorded[0]
            #expect((file as NSString).lastPathComponent.hasPrefix("rec-"), "{node} is the node's name")
            let media = try await discovered(file)
            #expect(media.playable, "\(media.output)")
            let duration = try await playedDuration(file, media)
            #expect(abs(duration - Double(pushed) / 30) < 0.45, "duration \(duration) for \(pushed) frames\n\(media.output)")
            #expect(media.width == 320 && media.height == 240)
            #expect(media.videoCodec?.lowercased().replacingOccurrences(of: ".", with: "").contains(format.codecName) == true,
                    "codec \(media.videoCodec ?? "?")")
            #expect(media.framerate.map { abs($0 - 30) < 0.01 } == true, "frame rate \(media.framerate ?? 0)\n\(media.output)")
            #expect(try await frameCount(file) == pushed, "every frame pushed is in the finalized file")
            #expect(graph.counters("rec")?.extra("segments") == 1)
            #expect((graph.counters("rec")?.extra("bytes_written") ?? 0) > 10_000)
        }

        @Test("JPEG frames are muxed as they are: same frames, same bytes")
        func jpegPassthrough() async throws {
            let dir = TestPaths.temporaryDirectory("rec-mjpeg")
            resetCollected("rec-mjpeg")
            let graph = try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true pattern=ball
                    width: 320
                    height: 240
                    framerate: 30
                    format: JPEG
                  rec:
                    kind: gst.record
                    input: cam
                    path: mjpeg.mkv
                  seen:
                    kind: test.collect
                    key: rec-mjpeg
                    input: cam
                """, baseDirectory: dir, until: "60 JPEG frames recorded") { graph in
                (graph.counters("rec")?.framesOut.load(ordering: .relaxed) ?? 0) >= 60
            }
            let file = dir + "/mjpeg.mkv"
            let media = try await discovered(file)
            #expect(media.playable, "\(media.output)")
            #expect(media.videoCodec?.lowercased().contains("jpeg") == true, "codec \(media.videoCodec ?? "?")")
            #expect(media.framerate.map { abs($0 - 30) < 0.01 } == true, "\(media.output)")
            let given = collected("rec-mjpeg").map(\.byteCount)
            #expect(graph.counters("rec")?.framesOut.load(ordering: .relaxed) == given.count)
            #expect(try await demuxedFrames(file).map(\.bytes) == given, "the file holds the very JPEG frames it was given")
        }

        @Test("stopping mid-recording finalizes every segment", arguments: ["mkv", "mp4", "ts"])
        func stopFinalizes(container: String) async throws {
            let dir = TestPaths.temporaryDirectory("rec-stop-\(container)")
            let pushed = { (graph: TestGraph) in graph.counters("rec")?.framesOut.load(ordering: .relaxed) ?? 0 }
            let graph = try await withGraph("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true
                    width: 320
                    height: 240
                    framerate: 30
                  rec:
                    kind: gst.record
                    input: cam
                    path: seg-%H%M%S.\(container)
                    segment_duration: 1s
                """, baseDirectory: dir) { graph in
                // Two segments finished, then half a second (15 frames) more: the stop comes in
                // the middle of a later one.
                #expect(await eventually { (graph.counters("rec")?.extra("segments") ?? 0) >= 2 }, "two finished segments")
                let atSecond = pushed(graph)
                #expect(await eventually { pushed(graph) >= atSecond + 15 }, "frames after the second segment")
                return graph
            }
            let recorded = files(in: dir, ext: container)
            #expect(recorded.count >= 3, "two finished segments and the one the stop cut: \(recorded)")
            var frames = 0
            for file in recorded {
                let media = try await discovered(file)
                let count = try await frameCount(file)
                #expect(media.playable && count > 0, "\(file)\n\(media.output)")
                // A finalized file states its own duration; an unfinished one is missing it or guessed.
                let duration = try await playedDuration(file, media)
                #expect(abs(duration - Double(count) / 30) < 0.1, "\(file): \(count) frames but a duration of \(duration) s\n\(media.output)")
                frames += count
            }
            #expect(frames == graph.counters("rec")?.framesOut.load(ordering: .relaxed))
            #expect(graph.counters("rec")?.extra("segments") == recorded.count)
        }

        @Test("max_files keeps exactly the newest finished segments, including files of earlier runs")
        func retention() async throws {
            let dir = TestPaths.temporaryDirectory("rec-keep")
            // Files an earlier run of the same template left, and two that only look alike.
            let old = Date(timeIntervalSinceNow: -3600)
            for name in ["rec-20200101-000000.mkv", "rec-20200101-000001-1.mkv", "other-20200101-000000.mkv", "rec-notes.txt"] {
                _ = FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data("x".utf8), attributes: [.modificationDate: old])
            }
            let graph = try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true
                    width: 160
                    height: 120
                    framerate: 30
                  rec:
                    kind: gst.record
                    input: cam
                    path: "{node}-%Y%m%d-%H%M%S.mkv"
                    segment_duration: 1s
                    max_files: 3
                """, baseDirectory: dir, until: "five finished segments") { graph in (graph.counters("rec")?.extra("segments") ?? 0) >= 5 }
            let kept = files(in: dir, ext: "mkv").filter { ($0 as NSString).lastPathComponent.hasPrefix("rec-") }
            #expect(kept.count == 3, "\(kept)")
            let cut = graph.counters("rec")?.allNotes["last_file"]
            for file in kept {
                let media = try await discovered(file)
                // Whole 1 s segments, except the one the stop cut short, which may hold a few frames.
                #expect(media.playable && media.durationSeconds > (file == cut ? 0 : 0.5), "\(file)\n\(media.output)")
            }
            #expect(FileManager.default.fileExists(atPath: "\(dir)/other-20200101-000000.mkv"))
            #expect(FileManager.default.fileExists(atPath: "\(dir)/rec-notes.txt"))
            let segments = graph.counters("rec")?.extra("segments") ?? 0
            #expect(segments >= 5)
            #expect(graph.counters("rec")?.extra("deleted") == segments + 2 - 3)
        }

        @Test("max_age and max_total_size delete the oldest finished files of the template, and only those")
        func retentionByAgeAndSize() async throws {
            let dir = TestPaths.temporaryDirectory("rec-age")
            let earlier: [(name: String, age: Double)] = [
                ("cam-20200101-000000.mkv", 7200), ("cam-20200101-010000.mkv", 5400),
                ("cam-20200101-020000-1.mkv", 60), ("cam-20200101-030000.mkv", 30), ("keep.mkv", 7200),
            ]
            for file in earlier {
                _ = FileManager.default.createFile(atPath: "\(dir)/\(file.name)", contents: Data(count: 1000),
                                                   attributes: [.modificationDate: Date(timeIntervalSinceNow: -file.age)])
            }
            func record(_ retention: String) async throws -> TestGraph {
                try await runToEnd("""
                    nodes:
                      src:
                        kind: test.timed
                        gaps_ms: [33, 33, 33, 33, 33]
                      cam:
                        kind: gst.record
                        input: src
                        path: "{node}-%Y%m%d-%H%M%S.mkv"
                        \(retention)
                    """, baseDirectory: dir)
            }
            func present() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }

            let first = try await record("max_age: 1h")
            #expect(first.counters("cam")?.extra("deleted") == 2)
            let afterFirst = present()
            #expect(afterFirst.count == 4 && afterFirst.contains("keep.mkv") && afterFirst.contains("cam-20200101-020000-1.mkv")
                    && afterFirst.contains("cam-20200101-030000.mkv"), "\(afterFirst)")
            let recorded = try #require(afterFirst.first { !$0.hasPrefix("cam-2020") && $0 != "keep.mkv" })
            let size = try #require(FileManager.default.attributesOfItem(atPath: "\(dir)/\(recorded)")[.size] as? Int)

            // Room for one recording and a bit: the two small files and the first recording go,
            // oldest first; the recording just made stays.
            let second = try await record("max_total_size: \(size + 1500)")
            #expect(second.counters("cam")?.extra("deleted") == 3)
            let afterSecond = present()
            #expect(afterSecond.count == 2 && afterSecond.contains("keep.mkv") && !afterSecond.contains(recorded), "\(afterSecond)")
        }

        @Test("the recording follows frame timestamps, not the frame count")
        func followsTimestamps() async throws {
            let dir = TestPaths.temporaryDirectory("rec-timing")
            // 31 frames over 3.9 s, one gap of a second: at the nominal 30 fps they would last 1 s.
            let gaps = Array(repeating: "100", count: 15) + ["1000"] + Array(repeating: "100", count: 14)
            let graph = try await runToEnd("""
                nodes:
                  src:
                    kind: test.timed
                    gaps_ms: [\(gaps.joined(separator: ", "))]
                  rec:
                    kind: gst.record
                    input: src
                    path: timed.mkv
                """, baseDirectory: dir)
            #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
            let media = try await discovered(dir + "/timed.mkv")
            #expect(abs(media.durationSeconds - 3.9) < 0.15, "duration \(media.durationSeconds)\n\(media.output)")
            #expect(media.framerate.map { abs($0 - 30) < 0.01 } == true, "the declared rate comes from Frame.duration")
            #expect(try await frameCount(dir + "/timed.mkv") == 31)
        }

        @Test("a change of frame size closes the file and starts another")
        func sizeChangeStartsNewFile() async throws {
            let dir = TestPaths.temporaryDirectory("rec-resize")
            let graph = try await runToEnd("""
                nodes:
                  src:
                    kind: test.timed
                    gaps_ms: [\(Array(repeating: "33", count: 29).joined(separator: ", "))]
                    resize_after: 15
                  rec:
                    kind: gst.record
                    input: src
                    path: resize.mkv
                """, baseDirectory: dir)
            #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
            let first = try await discovered(dir + "/resize.mkv"), second = try await discovered(dir + "/resize-1.mkv")
            #expect(first.width == 320 && first.height == 240 && second.width == 640 && second.height == 480)
            let firstFrames = try await frameCount(dir + "/resize.mkv"), secondFrames = try await frameCount(dir + "/resize-1.mkv")
            #expect(firstFrames == 15 && secondFrames == 15)
            #expect(graph.counters("rec")?.extra("segments") == 2)
        }

        @Test("a folder that cannot be created is an error when the graph is checked, at the path")
        func unusablePath() async throws {
            let dir = TestPaths.temporaryDirectory("rec-nopath")
            _ = FileManager.default.createFile(atPath: dir + "/blocker", contents: Data())
            await #expect {
                try await TestGraph.start("""
                    nodes:
                      cam:
                        kind: gst.capture
                      archive:
                        kind: gst.record
                        input: cam
                        path: blocker/day/cam.mkv
                    """, registry: registry, baseDirectory: dir)
            } throws: { error in
                "\(error)" == "test.yaml:7:11: option 'path' of gst.record: cannot record to \(dir)/blocker/day/cam.mkv: \(dir)/blocker is a file, not a folder"
            }
        }

        @Test("a write failure stops only the recorder, which resumes in a new file once it can")
        func failureAndResume() async throws {
            let dir = TestPaths.temporaryDirectory("rec-fail")
            resetCollected("rec-fail")
            let graph = try await withGraph("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true
                    width: 160
                    height: 120
                    framerate: 30
                  rec:
                    kind: gst.record
                    input: cam
                    path: out/%H%M%S.mkv
                    segment_duration: 500ms
                    restart: {policy: on-failure, backoff: 500ms}
                  live:
                    kind: test.collect
                    key: rec-fail
                    input: cam
                """, baseDirectory: dir) { graph in
                #expect(await eventually { (graph.counters("rec")?.extra("segments") ?? 0) >= 1 }, "a first segment")
                // The folder turns into a file: the next segment cannot be opened.
                try FileManager.default.moveItem(atPath: dir + "/out", toPath: dir + "/saved")
                _ = FileManager.default.createFile(atPath: dir + "/out", contents: Data())
                #expect(await eventually { (graph.counters("rec")?.extra("restarts") ?? 0) >= 1 }, "the recorder failed and waits to restart")
                let seenDuringFailure = collected("rec-fail").count
                try FileManager.default.removeItem(atPath: dir + "/out")
                #expect(await eventually { !files(in: dir + "/out", ext: "mkv").isEmpty }, "recording resumed")
                #expect(await eventually { collected("rec-fail").count > seenDuringFailure }, "the other consumer kept receiving frames")
                return graph
            }
            #expect(graph.runtime.failures.isEmpty, "a recorder failure does not stop the graph: \(graph.runtime.failures)")
            for file in files(in: dir + "/saved", ext: "mkv") + files(in: dir + "/out", ext: "mkv") {
                #expect(try await discovered(file).playable, "\(file)")
            }
        }
    }
}
