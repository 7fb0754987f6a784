import Foundation
import MediaRouter
import Testing
import TestSupport

/// The user journeys of issue 5, end to end: the graphs of `configs/` run by the real binary,
/// one `media-router run` process per peer, over real loopback sockets, with keys made by
/// `media-router keys` exactly as a user makes them. Serialized: each test runs up to 20
/// processes, and the machine may have only two cores.
@Suite("Fan-out journeys end to end", .serialized)
struct FanoutTests {
    static let fps = 30.0

    // MARK: configs/camera-fanout.yaml + configs/record-received.yaml

    /// camera-fanout.yaml with two clients that run record-received.yaml: both receive the
    /// stream and record it, and each recording plays, lasts as long as the stretch of the
    /// sender's frames the client saw, and holds every frame it received.
    @Test func cameraFanoutFeedsTwoRecordingClients() async throws {
        let tree = try FanoutTree("camera-fanout")
        let port = freePort()
        try await tree.generateKeys("keys")
        let originConfig = try tree.installConfig("camera-fanout.yaml", replacing: [("tcp://*:5454", "tcp://127.0.0.1:\(port)")])
        var clients: [FanoutRun] = []
        for name in ["recorder", "recorder2"] {
            try await tree.addClient(name)
            let config = try tree.installConfig("record-received.yaml", as: "\(name).yaml", replacing: [
                ("tcp://127.0.0.1:5454", "tcp://127.0.0.1:\(port)"),
                ("../keys/clients/recorder", "../keys/clients/\(name)"),
                ("../recordings/", "../recordings/\(name)/"),
            ])
            clients.append(FanoutRun(tree, config: config, name: name))
        }
        let origin = FanoutRun(tree, config: originConfig, name: "origin")
        try origin.start()
        defer { origin.kill() }
        try #require(await origin.child.output("bound tcp://127.0.0.1:\(port)", timeout: 30), "\(origin.logTail)")
        for c in clients { try c.start() }
        // Each client records at least four seconds of frames (120 at 30 fps), then stops.
        for c in clients {
            try #require(await c.waitForStats { $0.int("stream", "frames_out") >= 120 } != nil,
                         "\(c.name) did not receive 120 frames; \(c.logTail)")
        }
        for c in clients {
            let r = await c.stop()
            #expect(r.status == 0 && !r.timedOut, "\(c.name) exit \(r.status): \(r.stderr)")
        }
        let o = await origin.stop()
        #expect(o.status == 0, "origin exit \(o.status): \(o.stderr)")
        #expect(origin.stats.map { $0.int("clients", "auth_accepted") } ?? 0 >= 2, "\(origin.logTail)")
        for c in clients {
            try await checkRecording(of: c, in: tree.path("recordings/\(c.name)"), minimumSeconds: 3.5)
        }
    }

    /// A recording made from a received stream: it plays (decodes to the end), has the sender's
    /// size, holds every frame the receiver got unless counted as dropped, and lasts as long as
    /// the sender's frames it spans (received plus counted losses) at the camera's rate.
    func checkRecording(of client: FanoutRun, in folder: String, minimumSeconds: Double) async throws {
        let stats = try #require(client.stats, "\(client.name) wrote no stats")
        let received = stats.int("stream", "frames_out")
        let lost = stats.int("stream", "lost")
        let dropped = stats.int("stream", "dropped") + stats.int("archive", "dropped")
        let files = recordedFiles(folder)
        try #require(files.count == 1, "\(client.name): expected one recording in \(folder), found \(files)")
        let file = files[0]
        let media = try await onDedicatedThread { try discover(file) }
        #expect(media.playable, "\(file) is not playable: \(media.output)")
        #expect(media.width == 640 && media.height == 480, "\(file) is \(String(describing: media.width))x\(String(describing: media.height))")
        let onDisk = try await onDedicatedThread { try countFrames(file) }
        #expect(onDisk + dropped == received,
                "\(client.name): \(onDisk) frames on disk + \(dropped) counted drops should be the \(received) frames received")
        let spanned = Double(received + lost) / Self.fps
        #expect(spanned >= minimumSeconds, "\(client.name) received only \(received) frames")
        #expect(abs(media.durationSeconds - spanned) <= 0.15,
                "\(client.name): recording lasts \(media.durationSeconds) s; its \(received) frames + \(lost) lost span \(spanned) s at 30 fps")
        let missing = Int((media.durationSeconds * Self.fps).rounded()) - onDisk
        #expect(missing <= lost + dropped + 2,
                "\(client.name): \(media.durationSeconds) s holds \(onDisk) frames; \(missing) missing but only \(lost) lost + \(dropped) dropped counted")
        let play = try await Fanout.decodesCompletely(file)
        #expect(play.status == 0, "\(file) does not decode to the end: \(play.stderr)")
    }

    // MARK: configs/relay.yaml

    /// Origin (camera-fanout.yaml) → relay (relay.yaml) → a client recording with
    /// record-received.yaml: the client gets the origin's frames, with the origin's sequence
    /// numbers (no gaps) and capture times, and the same JPEG data.
    @Test func relayPassesTheOriginsFramesToItsClient() async throws {
        let tree = try FanoutTree("relay")
        let originPort = freePort(), relayPort = freePort()
        try await tree.generateKeys("keys")
        try await tree.addClient("relay1")
        try await tree.generateKeys("relay-keys")
        try await tree.addClient("recorder", location: "relay-keys")
        let originConfig = try tree.installConfig("camera-fanout.yaml", replacing: [("tcp://*:5454", "tcp://127.0.0.1:\(originPort)")])
        let relayConfig = try tree.installConfig("relay.yaml", replacing: [
            ("tcp://127.0.0.1:5454", "tcp://127.0.0.1:\(originPort)"),
            ("tcp://*:5455", "tcp://127.0.0.1:\(relayPort)"),
        ])
        let clientConfig = try tree.installConfig("record-received.yaml", replacing: [
            ("tcp://127.0.0.1:5454", "tcp://127.0.0.1:\(relayPort)"),
            ("../keys/clients/recorder", "../relay-keys/clients/recorder"),
        ])
        let origin = FanoutRun(tree, config: originConfig, name: "origin")
        let relay = FanoutRun(tree, config: relayConfig, name: "relay")
        let client = FanoutRun(tree, config: clientConfig, name: "client")
        try origin.start()
        defer { origin.kill() }
        try #require(await origin.child.output("bound tcp://127.0.0.1:\(originPort)", timeout: 30), "\(origin.logTail)")
        try relay.start()
        defer { relay.kill() }
        try #require(await relay.child.output("bound tcp://127.0.0.1:\(relayPort)", timeout: 30), "\(relay.logTail)")
        try client.start()
        defer { client.kill() }
        let first = try #require(await client.waitForStats { $0.int("stream", "frames_out") > 0 },
                                 "the relay's client received no frame; \(relay.logTail)\n\(client.logTail)")
        // The origin's count once the client was receiving (a later write: counts only frames
        // the client was there for).
        let start = try #require(await origin.waitForStats { $0.time >= first.time + 300_000_000 })
        // Four seconds of the origin's frames (120) while the client is there, then the origin
        // stops; the client is stopped once what the origin sent has reached it.
        _ = await origin.waitForStats { $0.int("clients", "frames_out") - start.int("clients", "frames_out") >= 120 }
        let o = await origin.stop()
        #expect(o.status == 0, "origin exit \(o.status): \(o.stderr)")
        let sentWhileThere = (origin.stats?.int("clients", "frames_out") ?? 0) - start.int("clients", "frames_out")
        _ = await client.waitForStats { Double($0.int("stream", "frames_out")) >= 0.95 * Double(sentWhileThere) }
        let c = await client.stop()
        #expect(c.status == 0, "client exit \(c.status): \(c.stderr)")
        let r = await relay.stop()
        #expect(r.status == 0, "relay exit \(r.status): \(r.stderr)")

        let originEnd = try #require(origin.stats), relayEnd = try #require(relay.stats), clientEnd = try #require(client.stats)
        let sent = originEnd.int("clients", "frames_out") - start.int("clients", "frames_out")
        let received = clientEnd.int("stream", "frames_out")
        #expect(sent >= 120, "the origin sent \(sent) frames while the client was there")
        #expect(Double(received) >= 0.95 * Double(sent),
                "the client got \(received) frames; the origin sent \(sent) while the client was connected")
        #expect(relayEnd.int("downstream", "frames_in") >= received && relayEnd.int("upstream", "frames_out") >= received)
        // The relay forwards the origin's sequence numbers: a gap would show as lost here.
        #expect(clientEnd.int("stream", "lost") <= 2, "client lost \(clientEnd.int("stream", "lost")) of the origin's frames")
        // The same JPEG data: the average size of what the client got is the origin's.
        let originAverage = Double(originEnd.int("jpeg", "bytes_out")) / Double(max(1, originEnd.int("jpeg", "frames_out")))
        let clientAverage = Double(clientEnd.int("stream", "bytes_out")) / Double(max(1, received))
        #expect(abs(clientAverage - originAverage) / originAverage < 0.03,
                "average JPEG size: origin \(Int(originAverage)) B, relay's client \(Int(clientAverage)) B")
        // Latency is measured from the origin's capture time, so it exists and is plausible.
        let latency = try #require(clientEnd.double("stream", "latency_ms"), "no latency: the origin's capture times did not arrive")
        #expect(latency > 0 && latency < 500, "end-to-end latency \(latency) ms")
        try await checkRecording(of: client, in: tree.path("recordings"), minimumSeconds: 3.5)
    }

    // MARK: configs/vidgear-clients.yaml

    /// vidgear-clients.yaml feeding two real vidgear receivers (examples/vidgear_receiver.py):
    /// each gets frames of the camera's shape, and the sender's terminate ends them well
    /// before their 10 s subscriber_timeout would.
    @Test(.enabled(if: TestPaths.python != nil,
                   "needs the vidgear virtual environment: run scripts/setup-python, or set MEDIA_ROUTER_PYTHON"))
    func vidgearClientsReceiveUntilTheSenderEnds() async throws {
        let python = try #require(TestPaths.python)
        let tree = try FanoutTree("vidgear")
        let ports = [freePort(), freePort()]
        let config = try tree.installConfig("vidgear-clients.yaml", replacing: [
            ("port: [5567, 5568]", "port: [\(ports[0]), \(ports[1])]"),
        ])
        var receivers: [ChildProcess] = []
        for port in ports {
            // A subscriber timeout far beyond the test's ceiling: ending in time means the terminate ended it.
            let p = ChildProcess(python, [TestPaths.root + "/examples/vidgear_receiver.py", "--port", String(port), "--subscriber-timeout", "600"],
                                 directory: tree.root)
            try p.start()
            receivers.append(p)
        }
        defer { for p in receivers { p.kill() } }
        for (p, port) in zip(receivers, ports) {
            try #require(await p.output("\"ready\": true"), "vidgear receiver on \(port) did not start: \(p.stderr)")
        }
        // The sender runs until it has sent 120 frames (four seconds), then is stopped as Ctrl-C does.
        let sender = FanoutRun(tree, config: config, name: "sender")
        try sender.start()
        #expect(await sender.waitForStats { $0.int("clients", "frames_out") >= 120 } != nil, "\(sender.logTail)")
        let s = await sender.stop()
        #expect(s.status == 0 && !s.timedOut, "sender exit \(s.status): \(s.stderr)")
        let sent = sender.int("clients", "frames_out")
        #expect(sender.int("clients", "terminates_sent") == 1)
        for (p, port) in zip(receivers, ports) {
            let r = await p.finished(timeout: eventCeiling)
            #expect(!r.timedOut, "vidgear receiver on \(port) did not end on the sender's terminate: \(r.stdout)\(r.stderr)")
            #expect(r.status == 0, "vidgear receiver on \(port) exit \(r.status): \(r.stderr)")
            let summaryLine = r.stdout.split(separator: "\n").last { $0.contains("\"frames\"") }.map(String.init) ?? ""
            let summary = try #require(try? JSONValue.parse(summaryLine), "no summary from the receiver on \(port): \(r.stdout)")
            let frames = Int(summary["frames"]?.intValue ?? 0)
            #expect(Double(frames) >= 0.8 * Double(sent), "vidgear receiver on \(port) got \(frames) of \(sent) frames")
            let shape = summary["shape"]?.arrayValue?.compactMap { $0.intValue } ?? []
            #expect(shape == [480, 640, 3], "frames of shape \(shape) on \(port)")
        }
    }

    // MARK: Fan-out to many IronHouse clients

    /// One 640x480 30 fps camera, JPEG-encoded once, to 16 IronHouse receivers (one process each)
    /// for 10 s, plus a slow receiver and one with an unlisted key. Every authorized receiver gets
    /// at least 95% of what was sent once all had authenticated; the slow one loses frames at its
    /// own queue (counted as dropped) while the network still brings it every frame; the
    /// unlisted key gets nothing, and the sender's log names its fingerprint.
    @Test func fanOutToSixteenIronHouseReceivers() async throws {
        let tree = try FanoutTree("sixteen")
        let port = freePort()
        try await tree.generateKeys("keys")
        let names = (1...16).map { "viewer\($0)" }
        for name in names + ["slow"] { try await tree.addClient(name) }
        // An intruder with a key pair of its own and the server's (public) key, but not listed.
        try await tree.generateKeys("intruder-keys")
        try await tree.addClient("intruder", location: "intruder-keys")
        let serverKey = "/.vidgear/keys/public_keys/server.key"
        let intruderServerKey = tree.path("intruder-keys/clients/intruder") + serverKey
        try FileManager.default.removeItem(atPath: intruderServerKey)
        try FileManager.default.copyItem(atPath: tree.path("keys") + serverKey, toPath: intruderServerKey)
        let intruderListed = try #require(try await tree.listedFingerprint("intruder", location: "intruder-keys"))

        let senderConfig = try tree.installConfig("camera-fanout.yaml", replacing: [("tcp://*:5454", "tcp://127.0.0.1:\(port)")])
        let sender = FanoutRun(tree, config: senderConfig, name: "sender")
        var viewers: [FanoutRun] = []
        for name in names {
            viewers.append(FanoutRun(tree, config: try tree.receiverConfig(name, port: port)))
        }
        let slow = FanoutRun(tree, config: try tree.receiverConfig(
            "slow", port: port, sink: "{kind: frame.discard, input: {node: stream, queue: {size: 2, policy: drop-oldest}}, delay: 100ms}"))
        let intruder = FanoutRun(tree, config: try tree.receiverConfig("intruder", port: port, bundle: "intruder-keys/clients/intruder"))
        let receivers = viewers + [slow, intruder]

        try sender.start()
        defer { sender.kill() }
        try #require(await sender.child.output("bound tcp://127.0.0.1:\(port)", timeout: 30), "\(sender.logTail)")
        for r in receivers { try r.start() }
        defer { for r in receivers { r.kill() } }
        let authorized = viewers.count + 1
        // Every stats file each receiver writes until all have authenticated, so that what each
        // had received by then can be subtracted (the files are written every 250 ms).
        var history: [String: [FanoutStats]] = [:]
        func recordHistory() {
            for r in viewers + [slow] {
                if let st = r.stats, history[r.name]?.last?.time != st.time { history[r.name, default: []].append(st) }
            }
        }
        let start = try #require(await sender.waitForStats { recordHistory(); return $0.int("clients", "auth_accepted") >= authorized },
                                 "not all \(authorized) authorized receivers authenticated: \(sender.int("clients", "auth_accepted")); \(sender.logTail)")
        recordHistory()
        /// Frames a receiver had at the moment the sender's snapshot was written (at most 250 ms
        /// earlier, in the receiver's favour).
        func receivedBeforeStart(_ r: FanoutRun) -> Int {
            history[r.name]?.last { $0.time <= start.time }?.int("stream", "frames_out") ?? 0
        }
        // Eight seconds of frames (240) once everyone is in, then the sender stops as Ctrl-C does.
        _ = await sender.waitForStats { $0.int("clients", "frames_out") - start.int("clients", "frames_out") >= 240 }
        let s = await sender.stop()
        #expect(s.status == 0 && !s.timedOut, "sender exit \(s.status): \(s.stderr)")
        // Once the sender's last frames have reached the receivers (or the ceiling says they
        // never will), stop them (a connecting receiver outlives a sender's terminate, waiting
        // for it to come back).
        let sentInAll = (sender.stats?.int("clients", "frames_out") ?? 0) - start.int("clients", "frames_out")
        for r in viewers + [slow] {
            _ = await r.waitForStats { Double($0.int("stream", "frames_out") - receivedBeforeStart(r)) >= 0.95 * Double(sentInAll) }
        }
        var results: [String: ProcessResult] = [:]
        for r in receivers { r.requestStop() }
        for r in receivers { results[r.name] = await r.stop() }

        let end = try #require(sender.stats)
        let sent = end.int("clients", "frames_out") - start.int("clients", "frames_out")
        #expect(Double(sent) >= 7 * Self.fps, "the sender sent only \(sent) frames once everyone had authenticated")
        // The camera's live queues may drop a frame when the machine is busy (other tests run
        // in parallel); a few, not a slowdown caused by 18 clients.
        let senderDropped = end.int("jpeg", "dropped") + end.int("clients", "dropped")
        #expect(Double(senderDropped) <= 0.02 * Double(end.int("camera", "frames_out")),
                "the sender dropped \(senderDropped) of \(end.int("camera", "frames_out")) camera frames")
        for v in viewers {
            #expect(results[v.name]?.status == 0, "\(v.name) exit: \(results[v.name]?.stderr ?? "")")
            let st = try #require(v.stats, "\(v.name) wrote no stats")
            let got = st.int("stream", "frames_out") - receivedBeforeStart(v)
            #expect(Double(got) >= 0.95 * Double(sent),
                    "\(v.name) got \(got) frames; \(sent) were sent while it was connected (lost \(st.int("stream", "lost")), dropped \(st.int("out", "dropped")))")
            #expect(st.int("stream", "lost") <= Int(0.05 * Double(sent)), "\(v.name) lost \(st.int("stream", "lost")) of \(sent) frames")
        }
        // The slow receiver: its network side keeps up, its slow consumer drops (and counts) the rest.
        let slowStats = try #require(slow.stats, "the slow receiver wrote no stats")
        let slowDropped = slowStats.int("out", "dropped"), slowConsumed = slowStats.int("out", "frames_in")
        let slowGot = slowStats.int("stream", "frames_out") - receivedBeforeStart(slow)
        #expect(Double(slowGot) >= 0.95 * Double(sent), "the slow receiver's network side got \(slowGot) of \(sent)")
        #expect(slowDropped > sent / 2, "the slow receiver (100 ms per frame) should drop about 2/3 of \(sent); dropped \(slowDropped)")
        #expect(slowConsumed > 0 && slowConsumed < end.int("clients", "frames_out") / 2,
                "the slow receiver consumed \(slowConsumed) of \(end.int("clients", "frames_out"))")

        // The intruder: refused, never a frame, and named by fingerprint in the sender's log.
        let intruderStats = try #require(intruder.stats, "the intruder wrote no stats")
        #expect(intruderStats.int("stream", "frames_out") == 0, "an unlisted key received frames")
        #expect(intruderStats.int("stream", "auth_refused") >= 1, "\(intruder.logTail)")
        let intruderLog = results["intruder"]?.stderr ?? ""
        let ownKey = FanoutTree.firstMatch(#"IronHouse CURVE client, key ([0-9a-f:]+),"#, in: intruderLog)
        #expect(ownKey == intruderListed, "the intruder logs its key as \(ownKey ?? "nothing"); keys list says \(intruderListed)")
        let refusals = s.stderr.split(separator: "\n").filter { $0.contains("refused client") }
        #expect(refusals.contains { $0.contains("refused client \(intruderListed) at 127.0.0.1") },
                "the sender's log does not name the intruder's key \(intruderListed): \(refusals)")
        #expect(refusals.allSatisfy { $0.contains(intruderListed) }, "the sender refused other keys too: \(refusals)")
        #expect(end.int("clients", "auth_denied") >= 1)
    }

    // MARK: Key rotation while running

    /// Seconds from `keys revoke` returning to the snapshot that showed the peer refused, for
    /// the failure messages and the README's figure.
    func secondsSince(_ revoked: Int64, _ snapshot: FanoutStats) -> Double { Double(snapshot.time - revoked) / 1e9 }

    /// A client allowed with `keys add-client` while the sender runs connects without a restart
    /// and receives; after `keys revoke` its session is cut (it is refused on reconnecting), it
    /// receives nothing more while the other clients go on, losing few frames, and the sender
    /// logs the refusals.
    @Test func addAndRevokeAClientWhileTheSenderRuns() async throws {
        let tree = try FanoutTree("rotation")
        let port = freePort()
        try await tree.generateKeys("keys")
        let steady = ["alice", "bob"]
        for name in steady { try await tree.addClient(name) }
        let senderConfig = try tree.installConfig("camera-fanout.yaml", replacing: [("tcp://*:5454", "tcp://127.0.0.1:\(port)")])
        let sender = FanoutRun(tree, config: senderConfig, name: "sender")
        try sender.start()
        defer { sender.kill() }
        try #require(await sender.child.output("bound tcp://127.0.0.1:\(port)", timeout: 30), "\(sender.logTail)")
        let others = try steady.map { FanoutRun(tree, config: try tree.receiverConfig($0, port: port)) }
        for o in others { try o.start() }
        defer { for o in others { o.kill() } }
        for o in others {
            _ = try #require(await o.waitForStats { $0.int("stream", "frames_out") > 15 }, "\(o.name) receives nothing; \(o.logTail)")
        }

        // Allowed while running, exactly as a user does it; the sender is not restarted.
        let fingerprint = try await tree.addClient("late")
        let late = FanoutRun(tree, config: try tree.receiverConfig("late", port: port))
        try late.start()
        defer { late.kill() }
        _ = try #require(await late.waitForStats { $0.int("stream", "frames_out") > 30 },
                     "a client added while the sender runs does not receive; \(late.logTail)\n\(sender.logTail)")
        #expect(sender.isRunning)
        #expect(sender.stderr.contains("client \(fingerprint) at "), "the sender did not log the new client \(fingerprint)")

        try await tree.keys(["revoke", "late", "--location", tree.path("keys")])
        let revoked = Clock.wallNanoseconds()  // the stats files' `time` clock
        // Refused on reconnecting: its session is gone, and with it every frame it will get.
        let refused = try #require(await late.waitForStats { $0.int("stream", "auth_refused") >= 1 },
                                   "the revoked client was not refused on reconnecting; \(late.logTail)")
        let frozen = refused.int("stream", "frames_out")
        let othersAfterCut = others.map { $0.int("stream", "frames_out") }
        // The others go on for another second of frames; the revoked client still gets none.
        for (i, o) in others.enumerated() {
            _ = await o.waitForStats { $0.int("stream", "frames_out") - othersAfterCut[i] >= Int(Self.fps) }
        }
        #expect(late.int("stream", "frames_out") == frozen,
                "the revoked client received frames after it was refused (\(secondsSince(revoked, refused)) s after the revoke): \(frozen) -> \(late.int("stream", "frames_out"))")
        let senderLog = sender.stderr
        #expect(senderLog.contains("client key \(fingerprint) revoked: cutting sessions"), "\(sender.logTail)")
        #expect(senderLog.contains("refused client \(fingerprint) at "), "the sender logs no refusal of \(fingerprint); \(sender.logTail)")
        let senderStats = try #require(sender.stats)
        #expect(senderStats.int("clients", "session_cuts") >= 1 && senderStats.int("clients", "auth_denied") >= 1)

        // The others reconnect after the cut and go on, losing little.
        for (i, o) in others.enumerated() {
            let st = try #require(o.stats)
            let now = st.int("stream", "frames_out")
            #expect(now - othersAfterCut[i] >= Int(Self.fps), "\(o.name) received only \(now - othersAfterCut[i]) frames after the cut")
            #expect(st.int("stream", "lost") <= 15, "\(o.name) lost \(st.int("stream", "lost")) frames (the reconnect pause should cost a few)")
            #expect(st.int("stream", "handshakes") >= 2, "\(o.name) was not reconnected by the cut (handshakes \(st.int("stream", "handshakes")))")
        }
        for o in [late] + others {
            let r = await o.stop()
            #expect(r.status == 0, "\(o.name) exit \(r.status): \(r.stderr)")
        }
        let s = await sender.stop()
        #expect(s.status == 0, "sender exit \(s.status): \(s.stderr)")
    }

    /// vidgear's own topology turned around: the receiver binds and is the CURVE server, and the
    /// senders are its clients. Revoking a sender's key cuts that sender off there too, and it
    /// stays refused (its frames are counted as not authorized).
    @Test func revokingASendersKeyCutsItAtABindingReceiver() async throws {
        let tree = try FanoutTree("binding-receiver")
        let port = freePort()
        try await tree.generateKeys("keys")
        let fingerprint = try await tree.addClient("camera1")
        let receiverConfig = try tree.writeConfig("receiver.yaml", """
            name: receiver
            nodes:
              stream: {kind: netgear.receive, pattern: pubsub, secure_mode: ironhouse, custom_cert_location: ../keys, bind: "tcp://127.0.0.1:\(port)"}
              out: {kind: frame.discard, input: stream}
            """)
        let senderConfig = try tree.writeConfig("camera1.yaml", """
            name: camera1
            nodes:
              camera: {kind: frame.generate, width: 320, height: 240, framerate: 30}
              send: {kind: netgear.send, input: camera, pattern: pubsub, secure_mode: ironhouse, custom_cert_location: ../keys/clients/camera1, connect: "tcp://127.0.0.1:\(port)"}
            """)
        let receiver = FanoutRun(tree, config: receiverConfig)
        let sender = FanoutRun(tree, config: senderConfig)
        try receiver.start()
        defer { receiver.kill() }
        try #require(await receiver.child.output("bound tcp://127.0.0.1:\(port)", timeout: 30), "\(receiver.logTail)")
        try sender.start()
        defer { sender.kill() }
        _ = try #require(await receiver.waitForStats { $0.int("stream", "frames_out") > 30 },
                         "the receiver gets nothing from the sender; \(receiver.logTail)\n\(sender.logTail)")

        try await tree.keys(["revoke", "camera1", "--location", tree.path("keys")])
        let revoked = Clock.wallNanoseconds()  // the stats files' `time` clock
        // The receiver cuts the session and refuses the sender's next handshake; from then on
        // nothing arrives, however long the sender keeps trying.
        let cut = try #require(await receiver.waitForStats { $0.int("stream", "session_cuts") >= 1 }, "\(receiver.logTail)")
        let refusedSender = try #require(await sender.waitForStats { $0.int("send", "auth_refused") >= 1 }, "\(sender.logTail)")
        let frozen = try #require(await receiver.waitForStats { $0.time > refusedSender.time }).int("stream", "frames_out")
        _ = await sender.waitForStats { $0.int("send", "not_authorized") > refusedSender.int("send", "not_authorized") + 30 }
        #expect(receiver.int("stream", "frames_out") == frozen,
                "frames arrived after the cut (\(secondsSince(revoked, cut)) s after the revoke): \(frozen) -> \(receiver.int("stream", "frames_out"))")
        #expect(receiver.stderr.contains("client key \(fingerprint) revoked: cutting sessions"), "\(receiver.logTail)")
        #expect(receiver.stderr.contains("refused client \(fingerprint) at "), "the receiver logs no refusal; \(receiver.logTail)")
        #expect(receiver.int("stream", "session_cuts") == 1)
        #expect(sender.int("send", "auth_refused") >= 1, "\(sender.logTail)")
        #expect(sender.int("send", "not_authorized") > 30, "the refused sender counts what it cannot send: \(sender.int("send", "not_authorized"))")
        let s = await sender.stop(), r = await receiver.stop()
        #expect(s.status == 0 && r.status == 0, "exit codes \(s.status), \(r.status): \(s.stderr)\n\(r.stderr)")
    }
}
