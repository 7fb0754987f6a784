import Foundation
import MediaRouter
import Testing
import TestSupport

/// Recordings made by the real binary in a separate process, checked with gst-discoverer-1.0.
@Suite("Recording end to end", .serialized)
struct RecordingTests {
    let bin = TestPaths.binary

    /// The counter `key` of `node` in a stats file, 0 while there is none.
    func stat(_ path: String, _ node: String, _ key: String) -> Int {
        Int(readStatsFile(path)?["nodes"]?[node]?[key]?.intValue ?? 0)
    }

    /// The README's demo graph, set up the way scripts/demo sets it up, until it has recorded
    /// five seconds of frames (150), then stopped as Ctrl-C does.
    @Test func demoGraphRecordsFiveSecondsAtTheConfiguredSizeAndRate() async throws {
        let root = TestPaths.temporaryDirectory("demo")
        try FileManager.default.createDirectory(atPath: root + "/configs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestPaths.root + "/configs/demo.yaml", toPath: root + "/configs/demo.yaml")
        try FileManager.default.createDirectory(atPath: root + "/demo/keys", withIntermediateDirectories: true)
        #expect(try await run(bin, ["keys", "generate", "--location", root + "/demo/keys"]).status == 0)
        for c in ["viewer1", "viewer2", "recorder"] {
            let r = try await run(bin, ["keys", "add-client", c, "--location", root + "/demo/keys", "--bundle", root + "/demo/clients/" + c])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let statsPath = root + "/stats.json"
        let p = ChildProcess(bin, ["run", root + "/configs/demo.yaml", "--stats-file", statsPath])
        try p.start()
        defer { p.kill() }
        #expect(await eventually { stat(statsPath, "archive", "frames_in") >= 150 || !p.process.isRunning }, "\(p.stderr)")
        p.signal(SIGINT)
        let r = await p.finished()
        #expect(r.status == 0, "\(r.stderr)")
        let recorded = stat(statsPath, "archive", "frames_in") + stat(statsPath, "recorder", "lost")
        #expect(r.stdout.contains("Summary of 'demo'"))
        #expect(r.stdout.contains("last_file="))
        let files = recordedFiles(root + "/demo/recordings")
        #expect(files.count == 1)
        let file = try #require(files.first)
        let media = try await onDedicatedThread { try discover(file) }
        #expect(media.playable, "\(media.output)")
        // As long as the frames it spans at 30 fps (its timing follows the sender's clock).
        #expect(media.durationSeconds >= 4.9 && abs(media.durationSeconds - Double(recorded) / 30) < 0.3,
                "duration \(media.durationSeconds) s for \(recorded) frames")
        #expect(media.width == 640 && media.height == 480)
        #expect(media.framerate.map { abs($0 - 30) < 0.01 } == true, "\(String(describing: media.framerate))")
    }

    func captureToRecord(_ dir: String, extra: String = "", segment: String = "") -> String {
        """
        nodes:
          cam: {kind: gst.capture, width: 320, height: 240, framerate: 30}
          rec:
            kind: gst.record
            input: cam
            path: \(dir)/rec-%H%M%S.mkv
            \(segment)
            \(extra)
        """
    }

    /// Stopped while writing its third 1 s segment: every file is finalized and plays, and
    /// together they hold every frame the recorder took.
    @Test func sigintFinalizesEveryFile() async throws {
        let dir = TestPaths.temporaryDirectory("sigint")
        let graph = dir + "/g.yaml"
        let statsPath = dir + "/stats.json"
        try captureToRecord(dir, segment: "segment_duration: 1s").write(toFile: graph, atomically: true, encoding: .utf8)
        let p = ChildProcess(bin, ["run", graph, "--stats-file", statsPath, "--log-level", "info"])
        try p.start()
        defer { p.kill() }
        // Two segments closed and a third one half written.
        #expect(await eventually {
            p.stderr.components(separatedBy: "closed segment").count - 1 >= 2 && stat(statsPath, "rec", "frames_in") >= 75
        }, "\(p.stderr)")
        p.signal(SIGINT)
        let r = await p.finished()
        #expect(r.status == 0, "\(r.stderr)")
        let taken = stat(statsPath, "rec", "frames_in")
        let files = recordedFiles(dir)
        #expect(files.count >= 3, "\(files)")
        var total = 0.0, frames = 0
        for f in files {
            let m = try await onDedicatedThread { try discover(f) }
            #expect(m.playable, "\(f): \(m.output)")
            #expect(m.durationSeconds > 0.3, "\(f) has a duration (finalized)")
            total += m.durationSeconds
            frames += try await onDedicatedThread { try countFrames(f) }
        }
        #expect(frames == taken, "\(frames) frames in the files, \(taken) taken by the recorder")
        #expect(abs(total - Double(frames) / 30) < 0.3, "total \(total) s for \(frames) frames")
    }

    @Test(arguments: ["mkv", "mp4", "ts"])
    func sigkillLosesAtMostTheLastSecond(_ container: String) async throws {
        let dir = TestPaths.temporaryDirectory("sigkill-\(container)")
        let graph = dir + "/g.yaml"
        let statsPath = dir + "/stats.json"
        try """
            nodes:
              cam: {kind: gst.capture, width: 320, height: 240, framerate: 30}
              rec: {kind: gst.record, input: cam, path: "\(dir)/rec-%H%M%S.\(container)", segment_duration: 2s}
            """.write(toFile: graph, atomically: true, encoding: .utf8)
        let p = ChildProcess(bin, ["run", graph, "--stats-file", statsPath])
        try p.start()
        defer { p.kill() }
        // Killed in its third 2 s segment.
        #expect(await eventually { stat(statsPath, "rec", "frames_in") >= 138 || !p.process.isRunning }, "\(p.stderr)")
        let before = stat(statsPath, "rec", "frames_in")
        p.signal(SIGKILL)
        let r = await p.finished()
        #expect(r.signaled)
        #expect(before >= 138, "the recorder had frames before the kill: \(before)")
        var frames = 0
        for f in recordedFiles(dir) {
            let n = try await onDedicatedThread { try countFrames(f) }
            #expect(n > 0, "\(f) plays (has demuxable frames)")
            frames += n
        }
        // The stats file is at most 250 ms old; allow one second of frames to be lost.
        #expect(frames >= Int(before) - 30, "\(frames) frames on disk, \(before) received before the kill")
    }

    /// A recorder on a full disk fails clearly and alone; the rest of the graph keeps running and
    /// the segments written before stay playable. Needs root to mount a small tmpfs.
    @Test func diskFullStopsOnlyTheRecorder() async throws {
        guard getuid() == 0 else {
            print("skipped: diskFullStopsOnlyTheRecorder needs root to mount a small tmpfs")
            return
        }
        let dir = TestPaths.temporaryDirectory("diskfull")
        let mountPoint = dir + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try await run("/bin/mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", mountPoint])
        guard mount.status == 0 else {
            print("skipped: diskFullStopsOnlyTheRecorder could not mount tmpfs: \(mount.stderr)")
            return
        }
        defer { _ = try? runProcess("/bin/umount", ["-l", mountPoint]) }
        let graph = dir + "/g.yaml"
        let statsPath = dir + "/stats.json"
        try """
            nodes:
              cam: {kind: gst.capture, width: 320, height: 240, framerate: 30}
              rec: {kind: gst.record, input: cam, path: "\(mountPoint)/rec-%H%M%S.mkv", codec: mjpeg, segment_duration: 1s}
              other: {kind: frame.discard, input: cam}
            """.write(toFile: graph, atomically: true, encoding: .utf8)
        let p = ChildProcess(bin, ["run", graph, "--stats-file", statsPath])
        try p.start()
        defer { p.kill() }
        #expect(await p.output("No space left"), "\(p.stderr)")
        let mid = stat(statsPath, "other", "frames_in")
        #expect(await eventually { stat(statsPath, "other", "frames_in") > mid + 30 },
                "the other consumer keeps getting frames: \(mid) -> \(stat(statsPath, "other", "frames_in"))")
        p.signal(SIGINT)
        let r = await p.finished()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("rec"))
        let files = recordedFiles(mountPoint)
        #expect(!files.isEmpty)
        // Every segment that was closed before the disk filled plays.
        let closed = r.stderr.split(separator: "\n").filter { $0.contains("closed segment") }
        for line in closed {
            guard let path = line.split(separator: " ").first(where: { $0.hasPrefix(mountPoint) }) else { continue }
            let m = try await onDedicatedThread { try discover(String(path)) }
            #expect(m.playable, "\(path)")
        }
    }
}
