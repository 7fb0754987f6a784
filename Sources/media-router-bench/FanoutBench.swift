import ArgumentParser
import BuiltInPlugins
import FrameCodecs
import FrameNodes
import Foundation
import MediaRouter
import Synchronization
import ZeroMQ

/// Fan-out scaling: one sender of 1280x720 30 fps JPEG frames to N IronHouse receivers on this
/// machine, for media-router, for a minimal raw libzmq CURVE PUB to N SUBs sending the same
/// bytes (the ceiling), and for vidgear's multi-client mode.
struct FanoutBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Fan-out scaling: frames per receiver per second, CPU and memory for 1..64 receivers."
    )

    @Option(help: "Receiver counts.") var counts: String = "1,4,16,64"
    @Option(help: "Seconds measured per count (after every receiver connected).") var duration: Double = 10
    @Option var width = 1280
    @Option var height = 720
    @Option var fps: Double = 30
    @Option(help: "vidgear counts (vidgear receivers busy-wait, so large counts saturate the CPU).") var vidgearCounts: String = "1,4,16"
    @Flag var noVidgear = false
    @Flag(help: "Also measure media-router with the control plane on in both processes (nothing connected to it).") var control = false
    @Option(help: "Python with vidgear (default: .test-venv/bin/python).") var python: String?
    @Option(help: "Write a Markdown report here.") var report: String?

    func run() throws {
        let root = repositoryRoot()
        let router = try routerExecutable()
        let py = python ?? root + "/.test-venv/bin/python"
        let list = counts.split(separator: ",").compactMap { Int($0) }
        let vgList = Set(vidgearCounts.split(separator: ",").compactMap { Int($0) })
        var table = Table(["receivers", "path", "fps/receiver (min)", "fps/receiver (avg)", "sender CPU %", "total CPU s per 1000 frames", "sender RSS MB", "receivers RSS MB", "% of ceiling"])
        print(hostDescription())
        print(table.header.joined(separator: "\t"))
        for n in list {
            let raw = try FanoutRun.raw(count: n, width: width, height: height, fps: fps, duration: duration)
            table.add(raw.row(n, "raw libzmq", ceiling: nil))
            let ours = try FanoutRun.ours(router: router, count: n, width: width, height: height, fps: fps, duration: duration)
            table.add(ours.row(n, "media-router", ceiling: raw))
            if control {
                let on = try FanoutRun.ours(router: router, count: n, width: width, height: height, fps: fps, duration: duration, control: true)
                table.add(on.row(n, "media-router, control plane on", ceiling: raw))
            }
            if !noVidgear && vgList.contains(n) && FileManager.default.isExecutableFile(atPath: py) {
                if let vg = try? FanoutRun.vidgear(python: py, root: root, count: n, width: width, height: height, fps: fps, duration: duration) {
                    table.add(vg.row(n, "vidgear (no security)", ceiling: nil))
                }
            }
        }
        print("\n" + table.text)
        if let report {
            let md = "# Fan-out benchmark\n\n\(hostDescription())\n\nOne sender of \(width)x\(height) \(Int(fps)) fps JPEG frames (the same ~\(FanoutRun.jpegKB(width, height)) KB picture each time) to N receivers on this machine, measured for \(Int(duration)) s after all N connected. media-router and the raw ceiling use IronHouse CurveZMQ; vidgear's multi-client PUB/SUB cannot use its secure mode (its receiver's RCVHWM=1 stalls a CURVE server), so it runs without security.\n\nmedia-router's receivers are N `netgear.receive` nodes, each with its own IronHouse client key and connection, in one `media-router run` process; the ceiling's are N SUB sockets in one process; vidgear's are N Python processes (its receivers busy-wait, so they load the machine). `receivers RSS` is the total over the receiver processes. Rates are frames over the interval between two snapshots that each receiver process writes with its own clock reading.\n\n" + table.markdown
            try md.write(toFile: report, atomically: true, encoding: .utf8)
            print("report written to \(report)")
        }
    }
}

struct FanoutResult {
    var perReceiverFPS: [Double]
    var senderCPUPercent: Double
    var totalCPUSeconds: Double
    var delivered: Int
    var senderRSS: Double
    var receiversRSS: Double

    var avgFPS: Double { perReceiverFPS.isEmpty ? 0 : perReceiverFPS.reduce(0, +) / Double(perReceiverFPS.count) }
    var minFPS: Double { perReceiverFPS.min() ?? 0 }

    func row(_ n: Int, _ path: String, ceiling: FanoutResult?) -> [String] {
        let perThousand = delivered > 0 ? totalCPUSeconds / (Double(delivered) / 1000) : 0
        let pct = ceiling.map { $0.avgFPS > 0 ? fmt(100 * avgFPS / $0.avgFPS, 0) : "-" } ?? "-"
        return ["\(n)", path, fmt(minFPS, 1), fmt(avgFPS, 1), fmt(senderCPUPercent, 0), fmt(perThousand, 2), fmt(senderRSS, 0), fmt(receiversRSS, 0), pct]
    }
}

enum FanoutRun {
    static func jpegKB(_ w: Int, _ h: Int) -> Int {
        let raw = Frame(format: .bgr, width: w, height: h, payload: FrameGeneratePlugin.texturedImage(width: w, height: h, bytesPerPixel: 3), timestamp: 0, sequence: 0)
        return ((try? JPEGFrameCodec().encode(raw, quality: 85).payload.count) ?? 0) / 1000
    }

    static func readStats(_ path: String) -> JSONValue? {
        guard let d = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONValue.parse([UInt8](d))
    }

    static func launch(_ exe: String, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// A receiver's frame count and when it was written (the stats file's own `time`, wall-clock
    /// nanoseconds), so rates are frames over the writer's own interval: the files are rewritten
    /// every 250 ms, and dividing by the reader's interval would be off by up to 8 frames.
    struct Count {
        var frames: Int
        var time: Int64
    }

    /// frames_in of nodes whose name starts with `prefix` in a stats file.
    static func frames(_ stats: JSONValue?, prefix: String) -> [String: Count] {
        var out: [String: Count] = [:]
        let time = stats?["time"]?.intValue ?? 0
        for (k, v) in stats?["nodes"]?.objectValue ?? [] where k.hasPrefix(prefix) {
            out[k] = Count(frames: Int(v["frames_in"]?.intValue ?? 0), time: time)
        }
        return out
    }

    /// Waits until `ready` holds, then measures `duration` seconds of frame counts and CPU.
    static func measure(sender: Process, receivers: [Process], duration: Double, ready: () -> Bool,
                        counts: () -> [String: Count]) -> FanoutResult? {
        let deadline = Date().addingTimeInterval(60)
        while !ready() {
            if Date() > deadline { return nil }
            usleep(100_000)
        }
        usleep(500_000)
        let c0 = counts()
        let s0 = childCPUSeconds(pid: sender.processIdentifier)
        let r0 = receivers.map { childCPUSeconds(pid: $0.processIdentifier) }
        let t0 = Date()
        Thread.sleep(forTimeInterval: duration)
        let c1 = counts()
        let elapsed = Date().timeIntervalSince(t0)
        let s1 = childCPUSeconds(pid: sender.processIdentifier)
        let r1 = receivers.map { childCPUSeconds(pid: $0.processIdentifier) }
        let per = c1.keys.sorted().map { key -> Double in
            guard let a = c0[key], let b = c1[key] else { return 0 }
            let seconds = b.time > a.time ? Double(b.time - a.time) / 1e9 : elapsed
            return Double(b.frames - a.frames) / seconds
        }
        let delivered = c1.keys.reduce(0) { $0 + (c1[$1]?.frames ?? 0) - (c0[$1]?.frames ?? 0) }
        let total = (s1 - s0) + zip(r1, r0).reduce(0) { $0 + $1.0 - $1.1 }
        return FanoutResult(perReceiverFPS: per, senderCPUPercent: 100 * (s1 - s0) / elapsed, totalCPUSeconds: total, delivered: delivered,
                            senderRSS: residentMegabytes(pid: sender.processIdentifier),
                            receiversRSS: receivers.reduce(0) { $0 + residentMegabytes(pid: $1.processIdentifier) })
    }

    static func stop(_ ps: [Process]) {
        for p in ps where p.isRunning { kill(p.processIdentifier, SIGINT) }
        let deadline = Date().addingTimeInterval(10)
        for p in ps {
            while p.isRunning && Date() < deadline { usleep(20_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
    }

    static func ours(router: String, count n: Int, width: Int, height: Int, fps: Double, duration: Double, control: Bool = false) throws -> FanoutResult {
        let dir = NSTemporaryDirectory() + "mr-fanout-\(getpid())-\(n)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try VidgearKeyStore(customCertLocation: dir)
        _ = try store.ensureKeys(overwrite: true)
        var receiverNodes = ""
        for i in 0..<n {
            let pair = try store.addClient(name: "c\(i)")
            try store.exportClientBundle(name: "c\(i)", keyPair: pair, to: dir + "/clients/c\(i)")
            receiverNodes += "  rx\(i): {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(dir)/clients/c\(i), connect: \"tcp://127.0.0.1:PORT\"}\n"
            receiverNodes += "  sink\(i): {kind: frame.discard, input: rx\(i)}\n"
        }
        let port = benchPort()
        let senderYAML = """
            nodes:
              cam: {kind: frame.generate, width: \(width), height: \(height), framerate: \(fps), format: JPEG}
              tx: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, custom_cert_location: \(dir), bind: "tcp://127.0.0.1:\(port)"}
            """
        // The control plane on a free loopback port, its tokens file beside the graph file.
        let controlSection = control ? "\ncontrol:\n  listen: 127.0.0.1:0\n" : ""
        try (senderYAML + controlSection).write(toFile: dir + "/send.yaml", atomically: true, encoding: .utf8)
        try ("nodes:\n" + receiverNodes.replacingOccurrences(of: "PORT", with: "\(port)") + controlSection).write(toFile: dir + "/recv.yaml", atomically: true, encoding: .utf8)
        // Every process started is stopped on the way out, also when a later one fails to start.
        var started: [Process] = []
        defer { stop(started.reversed()) }
        let sender = try launch(router, ["run", dir + "/send.yaml", "--stats-file", dir + "/send.json", "--quiet"])
        started.append(sender)
        let receiver = try launch(router, ["run", dir + "/recv.yaml", "--stats-file", dir + "/recv.json", "--quiet"])
        started.append(receiver)
        guard let r = measure(sender: sender, receivers: [receiver], duration: duration,
                              ready: { (readStats(dir + "/send.json")?["nodes"]?["tx"]?["auth_accepted"]?.intValue ?? 0) >= n },
                              counts: { frames(readStats(dir + "/recv.json"), prefix: "sink") }) else {
            throw ValidationError("media-router fan-out to \(n) did not connect")
        }
        return r
    }

    static func raw(count n: Int, width: Int, height: Int, fps: Double, duration: Double) throws -> FanoutResult {
        let me = benchExecutable()
        let dir = NSTemporaryDirectory() + "mr-rawfan-\(getpid())-\(n)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = benchPort()
        let server = try CurveKeyPair.generate()
        let keyFile = dir + "/server.key_secret"
        try CurveCertificate.writeSecret(server, to: keyFile)
        var started: [Process] = []
        defer { stop(started.reversed()) }
        let pub = try launch(me, ["raw-pub", "--port", "\(port)", "--fps", "\(fps)", "--width", "\(width)", "--height", "\(height)", "--key", keyFile])
        started.append(pub)
        let subs = try launch(me, ["raw-subs", "--port", "\(port)", "--count", "\(n)", "--server-key", server.publicKey.z85, "--stats-file", dir + "/subs.json"])
        started.append(subs)
        guard let r = measure(sender: pub, receivers: [subs], duration: duration,
                              ready: { (readStats(dir + "/subs.json")?["connected"]?.intValue ?? 0) >= n },
                              counts: { frames(readStats(dir + "/subs.json"), prefix: "sub") }) else {
            throw ValidationError("raw fan-out to \(n) did not connect")
        }
        return r
    }

    static func vidgear(python: String, root: String, count n: Int, width: Int, height: Int, fps: Double, duration: Double) throws -> FanoutResult {
        let ports = (0..<n).map { _ in benchPort() }
        let dir = NSTemporaryDirectory() + "mr-vgfan-\(getpid())-\(n)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var receivers: [Process] = []
        var sender: Process?
        defer { stop(receivers + (sender.map { [$0] } ?? [])) }
        for (i, p) in ports.enumerated() {
            receivers.append(try launch(python, [root + "/bench/vidgear_fanout.py", "recv", "--port", "\(p)", "--stats", dir + "/r\(i).json"]))
        }
        Thread.sleep(forTimeInterval: 2 + Double(n) * 0.1)
        let started = try launch(python, [root + "/bench/vidgear_fanout.py", "send", "--ports", ports.map(String.init).joined(separator: ","),
                                          "--fps", "\(fps)", "--width", "\(width)", "--height", "\(height)"])
        sender = started
        let r = measure(sender: started, receivers: receivers, duration: duration,
                        ready: { (0..<n).allSatisfy { (readStats(dir + "/r\($0).json")?["frames"]?.intValue ?? 0) > 0 } },
                        counts: {
                            var out: [String: Count] = [:]
                            for i in 0..<n {
                                let s = readStats(dir + "/r\(i).json")
                                out["r\(i)"] = Count(frames: Int(s?["frames"]?.intValue ?? 0), time: s?["time"]?.intValue ?? 0)
                            }
                            return out
                        })
        guard let r else { throw ValidationError("vidgear fan-out to \(n) did not start") }
        return r
    }
}

/// `raw-pub`: the ceiling's sender: a CURVE PUB sending the same JPEG bytes at a fixed rate.
struct RawPub: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "raw-pub", abstract: "Ceiling sender for the fan-out benchmark.", shouldDisplay: false)
    @Option var port: Int
    @Option var fps: Double = 30
    @Option var width = 1280
    @Option var height = 720
    @Option var key: String

    func run() throws {
        let pair = try CurveCertificate.readKeyPair(from: key)
        let raw = Frame(format: .bgr, width: width, height: height, payload: FrameGeneratePlugin.texturedImage(width: width, height: height, bytesPerPixel: 3), timestamp: 0, sequence: 0)
        let jpeg = try JPEGFrameCodec().encode(raw, quality: 85).payload
        let s = try ZMQSocket(context: .shared, type: .pub)
        try s.setOption(.sendHighWaterMark, 8)
        try s.setOption(.linger, 0)
        try s.configureCurveServer(pair)
        _ = try s.bind("tcp://127.0.0.1:\(port)")
        let start = Clock.monotonicNanoseconds()
        var n: Int64 = 0
        var header = [UInt8](repeating: 0x20, count: 170)
        while true {
            let due = start + Int64(Double(n) * 1e9 / fps)
            let wait = due - Clock.monotonicNanoseconds()
            if wait > 0 { usleep(UInt32(wait / 1000)) }
            let now = Clock.wallNanoseconds()
            withUnsafeBytes(of: now) { for i in 0..<8 { header[i] = $0[i] } }
            _ = try s.send(header, more: true, dontWait: true)
            try s.send(borrowing: jpeg.baseAddress, count: jpeg.count, owner: jpeg)
            n += 1
        }
    }
}

/// `raw-subs`: the ceiling's receivers: N CURVE SUB sockets, one thread each, counting frames.
struct RawSubs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "raw-subs", abstract: "Ceiling receivers for the fan-out benchmark.", shouldDisplay: false)
    @Option var port: Int
    @Option var count: Int
    @Option var serverKey: String
    @Option var statsFile: String

    func run() throws {
        guard let server = CurveKey(z85: serverKey) else { throw ValidationError("bad server key") }
        let box = FramesBox(count: count)
        let connected = box.connectedCounter
        for i in 0..<count {
            startThread(name: "sub\(i)") {
                do {
                    let pair = try CurveKeyPair.generate()
                    let s = try ZMQSocket(context: .shared, type: .sub)
                    try s.setOption(.receiveHighWaterMark, 8)
                    try s.configureCurveClient(pair, serverKey: server)
                    try s.subscribe("")
                    try s.connect("tcp://127.0.0.1:\(self.port)")
                    var first = true
                    while true {
                        guard let m = try s.receiveMultipart(maxParts: 3) else { continue }
                        if first { first = false; connected.value.add(1, ordering: .relaxed) }
                        if m.count == 2 { box.frames[i].value.add(1, ordering: .relaxed) }
                    }
                } catch {
                    FileHandle.standardError.write(Data("sub \(i): \(error)\n".utf8))
                }
            }
        }
        while true {
            var nodes: [(String, JSONValue)] = []
            for i in 0..<count { nodes.append(("sub\(String(format: "%03d", i))", .object([("frames_in", .int(Int64(box.frames[i].value.load(ordering: .relaxed))))]))) }
            let doc: JSONValue = .object([("connected", .int(Int64(connected.value.load(ordering: .relaxed)))),
                                          ("time", .int(Clock.wallNanoseconds())), ("nodes", .object(nodes))])
            let tmp = statsFile + ".tmp"
            if FileManager.default.createFile(atPath: tmp, contents: Data(doc.pythonJSONBytes())) { _ = rename(tmp, statsFile) }
            usleep(250_000)
        }
    }
}

final class AtomicCounter: Sendable {
    let value = Atomic<Int>(0)
}

final class FramesBox: Sendable {
    let frames: [AtomicCounter]
    let connectedCounter = AtomicCounter()
    init(count: Int) { frames = (0..<count).map { _ in AtomicCounter() } }
}
