import Foundation
import MediaRouter
import Testing
import TestSupport

/// Recordings made by the real binary in a separate process, checked with gst-discoverer-1.0.
@Suite("Recording end to end", .serialized)
struct RecordingTests {
    let bin = TestPaths.binary

    /// The README's demo graph, set up the way scripts/demo sets it up, for 5 seconds.
    @Test func demoGraphRecordsFiveSecondsAtTheConfiguredSizeAndRate() throws {
        let root = TestPaths.temporaryDirectory("demo")
        try FileManager.default.createDirectory(atPath: root + "/configs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestPaths.root + "/configs/demo.yaml", toPath: root + "/configs/demo.yaml")
        try FileManager.default.createDirectory(atPath: root + "/demo/keys", withIntermediateDirectories: true)
        #expect(try runProcess(bin, ["keys", "generate", "--location", root + "/demo/keys"]).status == 0)
        for c in ["viewer1", "viewer2", "recorder"] {
            let r = try runProcess(bin, ["keys", "add-client", c, "--location", root + "/demo/keys", "--bundle", root + "/demo/clients/" + c])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let r = try runProcess(bin, ["run", root + "/configs/demo.yaml", "--duration", "5"], timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Summary of 'demo'"))
        #expect(r.stdout.contains("last_file="))
        let files = recordedFiles(root + "/demo/recordings")
        #expect(files.count == 1)
        let media = try discover(try #require(files.first))
        #expect(media.playable, "\(media.output)")
        #expect(media.durationSeconds > 4.0 && media.durationSeconds < 5.6, "duration \(media.durationSeconds)")
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

    @Test func sigintFinalizesEveryFile() throws {
        let dir = TestPaths.temporaryDirectory("sigint")
        let graph = dir + "/g.yaml"
        try captureToRecord(dir, segment: "segment_duration: 1s").write(toFile: graph, atomically: true, encoding: .utf8)
        let p = ChildProcess(bin, ["run", graph])
        try p.start()
        #expect(p.waitForOutput("running 'g'", timeout: 15))
        Thread.sleep(forTimeInterval: 3.5)
        p.signal(SIGINT)
        let r = p.wait(timeout: 20)
        #expect(r.status == 0, "\(r.stderr)")
        let files = recordedFiles(dir)
        #expect(files.count >= 3, "\(files)")
        var total = 0.0
        for f in files {
            let m = try discover(f)
            #expect(m.playable, "\(f): \(m.output)")
            #expect(m.durationSeconds > 0.3, "\(f) has a duration (finalized)")
            total += m.durationSeconds
        }
        #expect(total > 2.8 && total < 4.5, "total \(total)")
    }

    @Test(arguments: ["mkv", "mp4", "ts"])
    func sigkillLosesAtMostTheLastSecond(_ container: String) throws {
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
        #expect(p.waitForOutput("running 'g'", timeout: 15))
        Thread.sleep(forTimeInterval: 4.6)
        let before = readStatsFile(statsPath)?["nodes"]?["rec"]?["frames_in"]?.intValue ?? 0
        p.signal(SIGKILL)
        let r = p.wait(timeout: 10)
        #expect(r.signaled)
        #expect(before > 90, "the recorder had frames before the kill: \(before)")
        var frames = 0
        for f in recordedFiles(dir) {
            let n = try countFrames(f)
            #expect(n > 0, "\(f) plays (has demuxable frames)")
            frames += n
        }
        // The stats file is at most 250 ms old; allow one second of frames to be lost.
        #expect(frames >= Int(before) - 30, "\(frames) frames on disk, \(before) received before the kill")
    }

    /// A recorder on a full disk fails clearly and alone; the rest of the graph keeps running and
    /// the segments written before stay playable. Needs root to mount a small tmpfs.
    @Test func diskFullStopsOnlyTheRecorder() throws {
        guard getuid() == 0 else {
            print("skipped: diskFullStopsOnlyTheRecorder needs root to mount a small tmpfs")
            return
        }
        let dir = TestPaths.temporaryDirectory("diskfull")
        let mountPoint = dir + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", mountPoint])
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
        #expect(p.waitForOutput("No space left", timeout: 20), "\(p.stderr)")
        let mid = readStatsFile(statsPath)?["nodes"]?["other"]?["frames_in"]?.intValue ?? 0
        Thread.sleep(forTimeInterval: 1.5)
        let later = readStatsFile(statsPath)?["nodes"]?["other"]?["frames_in"]?.intValue ?? 0
        #expect(later > mid + 30, "the other consumer keeps getting frames: \(mid) -> \(later)")
        p.signal(SIGINT)
        let r = p.wait(timeout: 20)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("rec"))
        let files = recordedFiles(mountPoint)
        #expect(!files.isEmpty)
        // Every segment that was closed before the disk filled plays.
        let closed = r.stderr.split(separator: "\n").filter { $0.contains("closed segment") }
        for line in closed {
            guard let path = line.split(separator: " ").first(where: { $0.hasPrefix(mountPoint) }) else { continue }
            let m = try discover(String(path))
            #expect(m.playable, "\(path)")
        }
    }
}
