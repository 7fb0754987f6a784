import Foundation
import MediaRouter
import Testing
import TestSupport

extension FanoutStats {
    var reloadsApplied: Int { Int(json["reloads"]?["applied"]?.intValue ?? 0) }
    var reloadsFailed: Int { Int(json["reloads"]?["failed"]?.intValue ?? 0) }
    var nodeNames: [String] {
        if case .object(let entries)? = json["nodes"] { return entries.map(\.0) }
        return []
    }
    func state(_ node: String) -> String? { json["nodes"]?[node]?["state"]?.stringValue }
}

/// Saves a graph file the way editors do: a new file renamed over the old one.
func saveAtomically(_ text: String, to path: String) throws {
    let tmp = (path as NSString).deletingLastPathComponent + "/.\((path as NSString).lastPathComponent).swp"
    try text.write(toFile: tmp, atomically: false, encoding: .utf8)
    try #require(rename(tmp, path) == 0)
}

/// The sender graph of the reload journeys: a camera, JPEG-encoded once, sent over IronHouse to
/// any number of receivers, and recorded.
struct SenderGraph {
    var port: Int
    var framerate = 30
    var quality = 80
    var segment = "10s"
    var secondRecorder = false

    var yaml: String {
        var y = """
            name: live-sender
            nodes:
              camera:
                kind: gst.capture
                source: videotestsrc is-live=true pattern=ball
                width: 320
                height: 240
                framerate: \(framerate)
              jpeg:
                kind: jpeg.encode
                input: camera
                quality: \(quality)
              clients:
                kind: netgear.send
                input: jpeg
                pattern: pubsub
                secure_mode: ironhouse
                custom_cert_location: ../keys
                bind: tcp://127.0.0.1:\(port)
              archive:
                kind: gst.record
                input: {node: camera, queue: {size: 64, policy: block}}
                path: ../recordings/{node}-%Y%m%d-%H%M%S.mkv
                segment_duration: \(segment)

            """
        if secondRecorder {
            y += """
                  archive2:
                    kind: gst.record
                    input: {node: camera, queue: {size: 64, policy: block}}
                    path: ../recordings/{node}-%Y%m%d-%H%M%S.mkv

                """
        }
        return y
    }
}

@Suite("Live reload end to end", .serialized)
struct ReloadTests {
    /// Every edit of the issue's list against one running sender with four IronHouse receivers:
    /// each receiver keeps its one session, sees no terminate, and its frames go on.
    @Test func editsKeepEveryClientConnected() async throws {
        let tree = try FanoutTree("live")
        let port = freePort()
        try await tree.generateKeys("keys")
        let names = (1...4).map { "viewer\($0)" }
        for n in names { try await tree.addClient(n) }
        try FileManager.default.createDirectory(atPath: tree.path("recordings"), withIntermediateDirectories: true)
        var graph = SenderGraph(port: port)
        let config = try tree.writeConfig("sender.yaml", graph.yaml)
        let sender = FanoutRun(tree, config: config, name: "sender")
        try sender.start()
        defer { sender.kill() }
        try #require(await sender.child.output("bound tcp://127.0.0.1:\(port)", timeout: 30), "\(sender.logTail)")
        let viewers = try names.map { FanoutRun(tree, config: try tree.receiverConfig($0, port: port)) }
        for v in viewers { try v.start() }
        defer { for v in viewers { v.kill() } }
        try #require(await sender.waitForStats { $0.int("clients", "auth_accepted") >= 4 } != nil, "\(sender.logTail)")

        /// Waits until every viewer has `n` frames more than now.
        func allFlow(_ n: Int = 30) async -> Bool {
            let start = viewers.map { $0.int("out", "frames_out") }
            for (v, s) in zip(viewers, start) {
                guard await v.waitForStats({ $0.int("out", "frames_out") >= s + n }) != nil else { return false }
            }
            return true
        }
        #expect(await allFlow())
        let baseGap = viewers.map { $0.int("out", "max_gap_ms") }.max() ?? 0

        var gaps: [(String, Int)] = []
        var applied = 0
        func edit(_ what: String, _ change: (inout SenderGraph) -> Void, replaced: Set<String>) async throws {
            change(&graph)
            let before = sender.stats
            let saved = Date()
            try saveAtomically(graph.yaml, to: config)
            applied += 1
            let after = await sender.waitForStats { $0.reloadsApplied >= applied }
            try #require(after != nil, "\(what): not applied; \(sender.logTail)")
            let tookMs = Int(Date().timeIntervalSince(saved) * 1000)
            #expect(await allFlow(), "\(what): frames stopped")
            let now = try #require(sender.stats)
            for node in ["camera", "jpeg", "clients", "archive"] where now.nodeNames.contains(node) {
                let was = before?.int(node, "replacements") ?? 0
                let expected = replaced.contains(node) ? was + 1 : was
                #expect(now.int(node, "replacements") == expected, "\(what): \(node) replaced \(now.int(node, "replacements") - was) times")
            }
            for v in viewers {
                let s = try #require(v.stats)
                #expect(s.int("stream", "handshakes") == 1, "\(what): \(v.name) handshook again")
                #expect(s.int("stream", "terminates") == 0, "\(what): \(v.name) saw a terminate")
            }
            let gap = viewers.map { $0.int("out", "max_gap_ms") }.max() ?? 0
            gaps.append((what, gap))
            #expect(gap < 1000, "\(what): a receiver waited \(gap) ms for a frame")
            print("reload '\(what)': applied after ≤\(tookMs) ms (stats every 250 ms); largest frame gap so far \(gap) ms (before any reload \(baseGap) ms)")
        }

        try await edit("recorder segment_duration", { $0.segment = "20s" }, replaced: ["archive"])
        try await edit("add a second recorder", { $0.secondRecorder = true }, replaced: [])
        let withSecond = try #require(sender.stats)
        #expect(withSecond.state("archive2") == "running")
        #expect(await sender.waitForStats { $0.int("archive2", "frames_in") >= 30 } != nil)
        try await edit("remove the second recorder", { $0.secondRecorder = false }, replaced: [])
        #expect(sender.stats?.nodeNames.contains("archive2") == false)
        try await edit("jpeg quality", { $0.quality = 60 }, replaced: ["jpeg"])
        try await edit("camera frame rate", { $0.framerate = 25 }, replaced: ["camera"])

        sender.requestStop()
        let result = await sender.stop()
        #expect(result.status == 0, "\(result.stderr)")
        let end = try #require(sender.stats)
        // The recorder path has a blocking queue and the recorder was never replaced after the
        // first edit: it has every camera frame the camera made after that, and before it too
        // (its replacement took the queued frames).
        #expect(end.int("archive", "frames_in") == end.int("camera", "frames_out"),
                "archive \(end.int("archive", "frames_in")) of \(end.int("camera", "frames_out")) camera frames")
        let files = recordedFiles(tree.path("recordings"))
        #expect(files.count >= 3, "\(files)")
        for f in files {
            let media = try await onDedicatedThread { try discover(f) }
            #expect(media.playable, "\(f): \(media.output)")
        }
        for v in viewers { v.requestStop() }
        for v in viewers { _ = await v.stop() }
        print("frame gaps per change (ms): " + gaps.map { "\($0.0)=\($0.1)" }.joined(separator: ", "))
    }

    /// A new port for the sender: its clients lose it (and say so) and a client given the new
    /// port gets the stream; the camera and the encoder are untouched.
    @Test func aNewPortMovesTheSenderAndItsClientsNotice() async throws {
        let tree = try FanoutTree("live-port")
        let (port, newPort) = (freePort(), freePort())
        try await tree.generateKeys("keys")
        for n in ["old", "new"] { try await tree.addClient(n) }
        try FileManager.default.createDirectory(atPath: tree.path("recordings"), withIntermediateDirectories: true)
        var graph = SenderGraph(port: port)
        let config = try tree.writeConfig("sender.yaml", graph.yaml)
        let sender = FanoutRun(tree, config: config, name: "sender")
        try sender.start()
        defer { sender.kill() }
        try #require(await sender.child.output("bound tcp://127.0.0.1:\(port)", timeout: 30), "\(sender.logTail)")
        let old = FanoutRun(tree, config: try tree.receiverConfig("old", port: port))
        let new = FanoutRun(tree, config: try tree.receiverConfig("new", port: newPort))
        try old.start()
        try new.start()
        defer { old.kill(); new.kill() }
        #expect(await old.waitForStats { $0.int("out", "frames_out") >= 30 } != nil, "\(old.logTail)")
        graph.port = newPort
        try saveAtomically(graph.yaml, to: config)
        #expect(await sender.waitForStats { $0.reloadsApplied >= 1 } != nil, "\(sender.logTail)")
        #expect(await new.waitForStats { $0.int("out", "frames_out") >= 30 } != nil, "\(new.logTail)")
        #expect(await old.waitForStats { $0.int("stream", "disconnects") >= 1 } != nil, "the old client did not report the loss: \(old.logTail)")
        let s = try #require(sender.stats)
        #expect(s.int("clients", "replacements") == 1)
        #expect(s.int("camera", "replacements") == 0 && s.int("jpeg", "replacements") == 0 && s.int("archive", "replacements") == 0)
        sender.requestStop()
        #expect(await sender.stop().status == 0)
    }
}
