import Age
import ArgumentParser
import Foundation
import MediaRouter

/// Recording cost: CPU per 720p30 stream with H.264 and with MJPEG passthrough, and how many
/// concurrent 720p30 MJPEG passthrough recordings one process sustains without dropping frames.
struct RecordBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "CPU per recorded 1280x720 30 fps stream (h264, mjpeg passthrough) and the most concurrent recordings."
    )

    @Option(help: "Seconds per measurement.") var duration: Double = 10
    @Option(help: "Concurrent recording counts to try for the sustained-streams test.") var counts: String = "1,2,4,8,16,32,48,64,96,128"
    @Option(help: "Folder to record into (default: a temporary folder on the main disk).") var folder: String?
    @Option(help: "Write a Markdown report here.") var report: String?
    @Option(help: "Which recordings the sustained-streams test tries: plain, encrypted (age, encrypt_to) or both.")
    var sustainedMode: String = "both"

    func run() throws {
        let router = try routerExecutable()
        // Encrypted runs write to a throwaway recipient: only the cost is measured.
        let encrypt = ", encrypt_to: \(X25519Identity.generate().recipient)"
        let base = folder ?? NSTemporaryDirectory() + "mr-recbench-\(getpid())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if folder == nil { try? FileManager.default.removeItem(atPath: base) } }
        print(hostDescription())

        var cpu = Table(["stream", "CPU % (one core = 100)", "frames recorded", "fps", "MB written"])
        print("\n== CPU per 1280x720 30 fps recording ==")
        let cases: [(String, String)] = [
            ("videotestsrc (moving) -> x264 (h264, ultrafast, zerolatency) -> mkv",
             "cam: {kind: gst.capture, source: \"videotestsrc is-live=true horizontal-speed=8\", width: 1280, height: 720, framerate: 30}\n  rec: {kind: gst.record, input: cam, codec: h264, path: \"DIR/h264-%H%M%S.mkv\"}"),
            ("videotestsrc (moving) -> jpegenc in capture -> mjpeg passthrough -> mkv",
             "cam: {kind: gst.capture, source: \"videotestsrc is-live=true horizontal-speed=8\", width: 1280, height: 720, framerate: 30, format: JPEG}\n  rec: {kind: gst.record, input: cam, codec: mjpeg, path: \"DIR/cj-%H%M%S.mkv\"}"),
            ("JPEG camera (frames arrive encoded) -> mjpeg passthrough -> mkv",
             "cam: {kind: frame.generate, width: 1280, height: 720, framerate: 30, format: JPEG}\n  rec: {kind: gst.record, input: cam, codec: mjpeg, path: \"DIR/mj-%H%M%S.mkv\"}"),
            ("age-encrypted: videotestsrc (moving) -> x264 (h264) -> mkv.age",
             "cam: {kind: gst.capture, source: \"videotestsrc is-live=true horizontal-speed=8\", width: 1280, height: 720, framerate: 30}\n  rec: {kind: gst.record, input: cam, codec: h264, path: \"DIR/h264-%H%M%S.mkv\"\(encrypt)}"),
            ("age-encrypted: JPEG camera -> mjpeg passthrough -> mkv.age",
             "cam: {kind: frame.generate, width: 1280, height: 720, framerate: 30, format: JPEG}\n  rec: {kind: gst.record, input: cam, codec: mjpeg, path: \"DIR/mj-%H%M%S.mkv\"\(encrypt)}"),
            ("JPEG camera -> nothing (the source alone, for reference)",
             "cam: {kind: frame.generate, width: 1280, height: 720, framerate: 30, format: JPEG}\n  out: {kind: frame.discard, input: cam}"),
        ]
        for (label, nodes) in cases {
            let dir = base + "/\(UUID().uuidString.prefix(6))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let r = try runGraph(router: router, yaml: "nodes:\n  " + nodes.replacingOccurrences(of: "DIR", with: dir), dir: dir)
            let recorded = r.frames["rec"] ?? r.frames["out"] ?? 0
            cpu.add([label, fmt(r.cpuPercent, 1), "\(recorded)", fmt(Double(recorded) / r.seconds, 1), fmt(Double(r.bytes) / 1e6, 1)])
        }

        var sustained = Table(["recordings", "encrypted", "CPU %", "min fps per recording", "frames dropped", "MB/s written", "sustained"])
        var best: [String: Int] = [:]
        let modes = sustainedMode == "both" ? ["plain", "encrypted"] : [sustainedMode]
        for mode in modes {
            print("\n== Concurrent 720p30 MJPEG passthrough recordings in one process (\(mode)) ==")
            best[mode] = 0
            for n in counts.split(separator: ",").compactMap({ Int($0) }) {
                let dir = base + "/n\(n)-\(mode)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                var yaml = "nodes:\n"
                for i in 0..<n {
                    yaml += "  cam\(i): {kind: frame.generate, width: 1280, height: 720, framerate: 30, format: JPEG}\n"
                    yaml += "  rec\(i): {kind: gst.record, input: cam\(i), codec: mjpeg, path: \"\(dir)/r\(i)-%H%M%S.mkv\"\(mode == "encrypted" ? encrypt : "")}\n"
                }
                let r = try runGraph(router: router, yaml: yaml, dir: dir)
                let per = (0..<n).map { Double(r.frames["rec\($0)"] ?? 0) / r.seconds }
                let dropped = (0..<n).reduce(0) { $0 + (r.dropped["rec\($1)"] ?? 0) }
                // Frames the sources could not hand over (their queue to the recorder was full) show
                // up as a source rate below 30: the recorder fell behind.
                let minFPS = per.min() ?? 0
                let ok = dropped == 0 && minFPS >= 29.5
                if ok { best[mode] = n }
                sustained.add(["\(n)", mode == "encrypted" ? "yes" : "no", fmt(r.cpuPercent, 0), fmt(minFPS, 1), "\(dropped)",
                               fmt(Double(r.bytes) / 1e6 / r.seconds, 0), ok ? "yes" : "no"])
                try? FileManager.default.removeItem(atPath: dir)
                if !ok { break }
            }
        }
        let bestText = modes.map { "\($0): \(best[$0] ?? 0)" }.joined(separator: ", ")
        print("\n" + cpu.text + "\n\n" + sustained.text)
        print("\nLargest number of concurrent 720p30 MJPEG passthrough recordings sustained: \(bestText)")
        if let report {
            let md = "# Recording benchmark\n\n\(hostDescription())\n\nEach run is one `media-router run` process for \(Int(duration)) s; CPU is that process's user+system time over wall time (100 % = one core). The JPEG picture is a textured 1280x720 still, about 250 KB at quality 85.\n\n## CPU per 1280x720 30 fps stream\n\n" + cpu.markdown + "\n## Concurrent 1280x720 30 fps MJPEG passthrough recordings in one process\n\n" + sustained.markdown + "\nLargest number sustained without dropping frames: **\(bestText)**.\n"
            try md.write(toFile: report, atomically: true, encoding: .utf8)
            print("report written to \(report)")
        }
    }

    struct Result {
        var cpuPercent: Double
        var seconds: Double
        var frames: [String: Int]
        var dropped: [String: Int]
        var bytes: Int
    }

    /// Bytes in the recordings under `dir` so far (a recorder counts a segment's bytes only
    /// when the segment closes, so the files themselves are measured).
    func recordedBytes(in dir: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".mkv") || $0.hasSuffix(".mkv.age") }.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? 0)
        }
    }

    /// Runs a graph for `duration` seconds (after a 2 s warm-up) and reads its counters.
    func runGraph(router: String, yaml: String, dir: String) throws -> Result {
        let graph = dir + "/g.yaml", stats = dir + "/stats.json"
        try yaml.write(toFile: graph, atomically: true, encoding: .utf8)
        let p = try FanoutRun.launch(router, ["run", graph, "--stats-file", stats, "--quiet"])
        Thread.sleep(forTimeInterval: 2)
        guard p.isRunning else {
            throw ValidationError("media-router run \(graph) ended at once (status \(p.terminationStatus)); run it by hand to see why")
        }
        func counts() -> ([String: Int], [String: Int], Int, Int64) {
            let s = FanoutRun.readStats(stats)
            var f: [String: Int] = [:], d: [String: Int] = [:]
            for (k, v) in s?["nodes"]?.objectValue ?? [] {
                f[k] = Int(v["frames_in"]?.intValue ?? 0)
                d[k] = Int(v["dropped"]?.intValue ?? 0)
            }
            return (f, d, recordedBytes(in: dir), s?["time"]?.intValue ?? 0)
        }
        let (f0, d0, b0, w0) = counts()
        let c0 = childCPUSeconds(pid: p.processIdentifier)
        let t0 = Date()
        Thread.sleep(forTimeInterval: duration)
        let (f1, d1, b1, w1) = counts()
        let c1 = childCPUSeconds(pid: p.processIdentifier)
        // Rates use the stats file's own clock readings: it is rewritten every 250 ms.
        let wall = Date().timeIntervalSince(t0)
        let seconds = w1 > w0 ? Double(w1 - w0) / 1e9 : wall
        FanoutRun.stop([p])
        var frames: [String: Int] = [:], dropped: [String: Int] = [:]
        for k in f1.keys { frames[k] = (f1[k] ?? 0) - (f0[k] ?? 0) }
        for k in d1.keys { dropped[k] = (d1[k] ?? 0) - (d0[k] ?? 0) }
        return Result(cpuPercent: 100 * (c1 - c0) / wall, seconds: seconds, frames: frames, dropped: dropped, bytes: max(0, b1 - b0))
    }
}
