import ArgumentParser
import BuiltInPlugins
import Foundation
import Logging
import MediaRouter
import Synchronization
import ZeroMQ

/// Measures netgear.send -> netgear.receive against (a) a minimal raw libzmq sender/receiver of
/// the same bytes with the same socket settings (the ceiling) and (b) vidgear -> vidgear.
struct NetGearBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netgear",
        abstract: "Frames/s, MB/s and latency of NetGear transport vs raw libzmq and vidgear."
    )

    @Option(help: "Seconds per measurement.") var duration: Double = 3
    @Option(help: "Frame sizes, e.g. 640x480,1280x720.") var sizes: String = "640x480,1280x720"
    @Option(help: "Patterns to measure.") var patterns: String = "0,1,2"
    @Option(help: "Secure modes to measure.") var secure: String = "0,1,2"
    @Flag(help: "Skip vidgear (no Python needed).") var noVidgear = false
    @Option(help: "Python with vidgear (default: .test-venv/bin/python).") var python: String?
    @Option(help: "Write a Markdown report here.") var report: String?
    @Option(help: "Alternating raw/ours rounds per throughput figure; the median is reported (this machine's speed varies from second to second).") var rounds: Int = 3

    /// Alternates the ceiling and our path `rounds` times and keeps the median of each, so
    /// that a slow second on a shared machine does not favour either.
    func alternate(_ raw: () throws -> Measurement, _ ours: () throws -> Measurement) throws -> (Measurement, Measurement) {
        var r: [Measurement] = [], o: [Measurement] = []
        for _ in 0..<max(1, rounds) {
            r.append(try raw())
            o.append(try ours())
        }
        func median(_ m: [Measurement]) -> Measurement { m.sorted { $0.fps < $1.fps }[m.count / 2] }
        return (median(r), median(o))
    }

    func run() throws {
        let root = repositoryRoot()
        let py = python ?? root + "/.test-venv/bin/python"
        let useVidgear = !noVidgear && FileManager.default.isExecutableFile(atPath: py)
        if !noVidgear && !useVidgear { print("note: \(py) not found; run scripts/setup-python for the vidgear column") }
        let keys = NSTemporaryDirectory() + "mr-bench-keys-\(getpid())"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        _ = try VidgearKeyStore(customCertLocation: keys).ensureKeys(overwrite: true)
        let sizeList = sizes.split(separator: ",").compactMap { s -> (Int, Int)? in
            let p = s.split(separator: "x").compactMap { Int($0) }
            return p.count == 2 ? (p[0], p[1]) : nil
        }
        let patternList = patterns.split(separator: ",").compactMap { Int($0) }
        let secureList = secure.split(separator: ",").compactMap { Int($0) }
        var md = "# NetGear benchmark\n\n\(hostDescription())\n\nEach figure is frames delivered per second at the receiver over \(fmt(duration, 0)) s (raw and ours: the median of \(rounds) alternating rounds), sending as fast as the pattern allows (raw BGR frames unless noted). `ours %` is media-router as a share of the raw libzmq ceiling for the same pattern, security and size.\n\n"

        var throughput = Table(["size", "pattern", "secure", "raw fps", "raw MB/s", "ours fps", "ours MB/s", "ours %", "raw CPU s/1000", "ours CPU s/1000", "vidgear fps"])
        print("\n== Throughput (raw BGR) ==")
        print(throughput.header.joined(separator: "\t"))
        for (w, h) in sizeList {
            for p in patternList {
                for s in secureList {
                    let (raw, ours) = try alternate(
                        { try RawCeiling.run(pattern: p, secure: s, width: w, height: h, duration: duration, paceFPS: 0) },
                        { try OurPath.run(pattern: p, secure: s, width: w, height: h, duration: duration, jpeg: false, paceFPS: 0, keys: keys) })
                    var vg = "-"
                    if useVidgear {
                        if p == 2 && s > 0 {
                            vg = "n/a*"
                        } else if let r = try? VidgearPath.run(python: py, root: root, pattern: p, secure: s, jpeg: false, width: w, height: h, duration: duration, keys: keys, paceFPS: 0) {
                            vg = fmt(r.fps, 0)
                        }
                    }
                    throughput.add(["\(w)x\(h)", "\(p)", "\(s)", fmt(raw.fps, 0), fmt(raw.mbps, 0), fmt(ours.fps, 0), fmt(ours.mbps, 0),
                                    fmt(raw.fps > 0 ? 100 * ours.fps / raw.fps : nil, 0), fmt(raw.cpuPerThousand, 2), fmt(ours.cpuPerThousand, 2), vg])
                }
            }
        }
        md += "## Throughput, raw BGR frames\n\n" + throughput.markdown
        md += "\n\\* vidgear's PUB/SUB receiver sets RCVHWM=1, with which a CURVE server behind a ZAP handler never delivers a frame (vidgear -> vidgear too).\n\n"

        var jpegTable = Table(["size", "pattern", "secure", "vidgear fps", "ours: sender encodes", "x", "ours: sender, jpeg_threads 2", "x", "ours: jpeg.encode node", "x", "ours: frames already JPEG", "x"])
        print("\n== Throughput, JPEG 640x480 quality 90 ==")
        print(jpegTable.header.joined(separator: "\t"))
        for p in patternList {
            for s in secureList {
                var vgFPS: Double?
                var vgText = "-"
                if useVidgear {
                    if p == 2 && s > 0 {
                        vgText = "n/a*"
                    } else if let r = try? VidgearPath.run(python: py, root: root, pattern: p, secure: s, jpeg: true, width: 640, height: 480, duration: duration, keys: keys, paceFPS: 0) {
                        vgFPS = r.fps
                        vgText = fmt(r.fps, 0)
                    }
                }
                var row = ["640x480", "\(p)", "\(s)", vgText]
                for source in [OurPath.JPEGSource.sender, .senderThreads, .node, .preencoded] {
                    let ours = try OurPath.run(pattern: p, secure: s, width: 640, height: 480, duration: duration, jpeg: true, paceFPS: 0, keys: keys, jpegSource: source)
                    row.append(fmt(ours.fps, 0))
                    row.append(vgFPS.map { $0 > 0 ? fmt(ours.fps / $0, 2) + "x" : "-" } ?? "-")
                }
                jpegTable.add(row)
            }
        }
        md += "## Throughput, JPEG 640x480, quality 90\n\nvidgear encodes every frame in `send()` and decodes it in `recv()`. media-router four ways: the sender encodes every frame on its own thread (the same work as vidgear's sender; our receiver hands JPEG on without decoding), the sender with `jpeg_threads: 2` encodes two frames at a time ahead of sending, a `jpeg.encode` node with `threads: 2` encodes upstream, two frames at a time, while the sender waits for replies (the topology of camera-fanout.yaml), and frames that arrive already encoded (an MJPEG camera, a relay) pass through. `x` is the ratio to vidgear.\n\n" + jpegTable.markdown + "\n"

        var latency = Table(["size", "pattern", "secure", "raw p50 ms", "raw p99 ms", "ours p50 ms", "ours p99 ms", "vidgear p50 ms", "vidgear p99 ms"])
        print("\n== Latency at 30 fps (raw BGR) ==")
        print(latency.header.joined(separator: "\t"))
        for (w, h) in sizeList.prefix(1) {
            for p in patternList {
                for s in secureList {
                    let raw = try RawCeiling.run(pattern: p, secure: s, width: w, height: h, duration: max(duration, 3), paceFPS: 30)
                    let ours = try OurPath.run(pattern: p, secure: s, width: w, height: h, duration: max(duration, 3), jpeg: false, paceFPS: 30, keys: keys)
                    var vg50 = "-", vg99 = "-"
                    if useVidgear && !(p == 2 && s > 0),
                       let r = try? VidgearPath.run(python: py, root: root, pattern: p, secure: s, jpeg: false, width: w, height: h, duration: max(duration, 3), keys: keys, paceFPS: 30) {
                        vg50 = fmt(r.p50, 2)
                        vg99 = fmt(r.p99, 2)
                    }
                    latency.add(["\(w)x\(h)", "\(p)", "\(s)", fmt(raw.p50, 2), fmt(raw.p99, 2), fmt(ours.p50, 2), fmt(ours.p99, 2), vg50, vg99])
                }
            }
        }
        md += "## Latency at 30 fps, raw BGR (capture timestamp to receiver output)\n\n" + latency.markdown
        var jl = Table(["size", "pattern", "secure", "ours p50 ms", "ours p99 ms"])
        print("\n== Latency at 30 fps, JPEG 640x480 (encode included) ==")
        for p in patternList {
            let ours = try OurPath.run(pattern: p, secure: 1, width: 640, height: 480, duration: max(duration, 3), jpeg: true, paceFPS: 30, keys: keys)
            jl.add(["640x480", "\(p)", "1", fmt(ours.p50, 2), fmt(ours.p99, 2)])
        }
        md += "\n## Latency at 30 fps, JPEG 640x480 StoneHouse (JPEG encoding included)\n\n" + jl.markdown
        print("\n" + throughput.text + "\n\n" + jpegTable.text + "\n\n" + latency.text + "\n\n" + jl.text)
        if let report {
            try md.write(toFile: report, atomically: true, encoding: .utf8)
            print("\nreport written to \(report)")
        }
        try? FileManager.default.removeItem(atPath: keys)
    }
}

func hostDescription() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
        .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) } ?? "?"
    return "Host: \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), libzmq \(ZMQLibrary.version.major).\(ZMQLibrary.version.minor).\(ZMQLibrary.version.patch), loopback TCP."
}

struct Measurement {
    /// Process CPU seconds per 1000 frames delivered, when measured.
    var cpuPerThousand: Double?
    var frames = 0
    var fps = 0.0
    var mbps = 0.0
    var p50: Double?
    var p99: Double?
}

/// Receiver-side accounting shared by all three paths.
final class Meter: @unchecked Sendable {
    // Safe: used by one receiving thread, read after it ended.
    var first: Int64 = 0
    var last: Int64 = 0
    var frames = 0
    var bytes = 0
    var latencies: [Double] = []

    func record(bytes n: Int, sentAt: Int64?) {
        let now = Clock.monotonicNanoseconds()
        if frames == 0 { first = now }
        last = now
        frames += 1
        bytes += n
        if let sentAt { latencies.append(Double(Clock.wallNanoseconds() - sentAt) / 1e6) }
    }

    var result: Measurement {
        let seconds = Double(last - first) / 1e9
        let sorted = latencies.sorted()
        return Measurement(frames: frames, fps: seconds > 0 ? Double(frames - 1) / seconds : 0,
                           mbps: seconds > 0 ? Double(bytes) / seconds / 1e6 : 0,
                           p50: Stats.percentile(sorted, 0.5), p99: Stats.percentile(sorted, 0.99))
    }
}
