import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// vidgear's exclusive modes (bidirectional, multi-server, multi-client), keys made by one side
/// and used by the other, and vidgear quirks that matter to a peer, against the real vidgear.
@Suite("NetGear interop with vidgear: modes and keys", .enabled(if: hasVidgear, Comment(rawValue: vidgearMissing)))
struct InteropModesTests {
    static let frames = 12

    // MARK: Bidirectional mode

    /// vidgear sends `message` with every frame and gets our `return_data` back with every reply;
    /// our receiver passes vidgear's message on as the frame's metadata.
    @Test(arguments: [0, 1])
    func bidirectionalVidgearSenderToOurReceiver(_ pattern: Int) async throws {
        let port = uniquePort()
        let key = uniqueKey("bidi-v2us")
        let graph = try LoggedGraph("""
            nodes:
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: \(pattern)
                bidirectional_mode: true
                return_data: {from: media-router, n: 7}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        let peer = try await VidgearPeer(["send", "--port", "\(port)", "--pattern", "\(pattern)", "--bidirectional",
                                          "--frames", "\(Self.frames)", "--fps", "60"])
        let result = await peer.result()
        #expect(await graph.ended(within: 30), "vidgear's terminate did not end our receiver")
        await graph.stop()
        #expect(result?["sent"]?.int == Self.frames, "\(peer.transcript)")
        #expect(result?["reply_count"]?.int == Self.frames, "\(peer.transcript)")
        let replies = result?["replies"]?.arrayValue ?? []
        #expect(replies.count == Self.frames)
        #expect(replies.allSatisfy { $0 == ["from": "media-router", "n": 7] }, "\(replies)")
        let got = collected(key)
        #expect(got.count == Self.frames)
        #expect(got.map(\.metadata) == (0..<Self.frames).map { ["i": .int(Int64($0)), "note": "from vidgear"] })
    }

    /// Our sender's `message` reaches vidgear's recv(), and vidgear's return data reaches us.
    @Test(arguments: [0, 1])
    func bidirectionalOurSenderToVidgearReceiver(_ pattern: Int) async throws {
        let port = uniquePort()
        let peer = try await VidgearPeer(["recv", "--port", "\(port)", "--pattern", "\(pattern)", "--bidirectional",
                                          "--frames", "100000"])
        #expect(await peer.ready(), "\(peer.transcript)")
        let graph = try LoggedGraph("""
            nodes:
              src: {kind: test.indexed, count: \(Self.frames), framerate: 100, width: 48, height: 32}
              tx:
                kind: netgear.send
                input: {node: src, queue: {size: 64, policy: block}}
                address: 127.0.0.1
                port: \(port)
                pattern: \(pattern)
                bidirectional_mode: true
                jpeg_compression: false
                message: {camera: front}
            """)
        #expect(await graph.ended(within: 30))
        await graph.stop()
        let result = await peer.result()
        let received = result?["received"]?.int ?? 0
        #expect(received + (result?["left_in_queue"]?.int ?? 0) == Self.frames, "\(peer.transcript)")
        #expect(result?["ended"]?.stringValue == "terminate", "\(peer.transcript)")
        let messages = result?["messages"]?.arrayValue ?? []
        #expect(messages.count == received, "\(peer.transcript)")
        for (i, m) in messages.enumerated() {
            #expect(m["camera"] == "front")
            #expect(m["media_router"]?["seq"]?.int == i, "our frame info travels in vidgear's message: \(m)")
        }
        // vidgear attaches its current return data to each reply: {"ack": frames it had taken}.
        #expect(graph.extra("tx", "replies") == Self.frames)
        let acks = graph.logs.all.filter { $0.contains("return data: {\"ack\":") }
        #expect(acks.count == Self.frames, "\(graph.logs.all.suffix(5))")
    }

    // MARK: Multi-server mode

    /// Two vidgear senders, each with its own port, into one receiver binding both ports.
    @Test(arguments: [1, 2])
    func multiServerTwoVidgearSendersToOurReceiver(_ pattern: Int) async throws {
        let ports = [uniquePort(), uniquePort()]
        let key = uniqueKey("ms-v2us")
        let graph = try LoggedGraph("""
            nodes:
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: [\(ports[0]), \(ports[1])]
                pattern: \(pattern)
                multiserver_mode: true
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        let gate = gateFile()
        var peers: [VidgearPeer] = []
        for p in ports {
            peers.append(try await VidgearPeer(["send", "--port", "\(p)", "--pattern", "\(pattern)", "--multiserver", "--message",
                                                "--frames", pattern == 2 ? "100000" : "\(Self.frames)", "--fps", "30"]
                                               + (pattern == 2 ? ["--wait-file", gate] : [])))
        }
        func fromPort(_ p: Int) -> Int { collected(key).filter { $0.metadata["port"] == .string(String(p)) }.count }
        if pattern == 2 {
            // PUB/SUB: the senders stream until we have `frames` from each (what a PUB sends
            // before the subscription reaches it is lost).
            #expect(await openGateFile(gate, when: graph, nodes: ["rx"], peers: 2))
            #expect(await eventually(timeout: 30) { ports.allSatisfy { fromPort($0) >= Self.frames } }, "\(ports.map(fromPort))")
        }
        for peer in peers {
            let r = pattern == 2 ? await peer.stop() : await peer.result()
            #expect(pattern == 2 ? (r?["sent"]?.int ?? 0) >= Self.frames : r?["sent"]?.int == Self.frames, "\(peer.transcript)")
        }
        let ended = await graph.ended(within: pattern == 1 ? 30 : 10)
        await graph.stop()
        if pattern == 1 {
            #expect(ended, "the receiver ends once every sender has sent its terminate")
        } else if !ended {
            withKnownIssue("vidgear's PUB may discard its own terminate (LINGER=0, netgear-protocol.md §3.1)", isIntermittent: true) {
                Issue.record("a vidgear terminate did not arrive")
            }
        }
        let got = collected(key)
        for p in ports {
            // vidgear tags frames with the port as the user gave it (vidgear_peer.py: a string).
            let mine = got.filter { $0.metadata["port"] == .string(String(p)) }
            if pattern == 1 {
                #expect(mine.count == Self.frames, "port \(p): \(mine.count)")
            } else {
                #expect(mine.count >= Self.frames, "port \(p): \(mine.count)")
            }
            #expect(mine.allSatisfy { $0.metadata["note"] == "from vidgear" })
        }
    }

    /// Two of our senders into one vidgear receiver binding both ports.
    @Test(arguments: [1, 2])
    func multiServerTwoOfOurSendersToVidgearReceiver(_ pattern: Int) async throws {
        let ports = [uniquePort(), uniquePort()]
        let peer = try await VidgearPeer(["recv", "--ports", "\(ports[0]),\(ports[1])", "--pattern", "\(pattern)", "--multiserver",
                                          "--frames", "100000"])
        #expect(await peer.ready(), "\(peer.transcript)")
        let gate = uniqueKey("gate"), enough = uniqueKey("enough")
        // PUB/SUB: the sources stream until vidgear has `frames` from each sender.
        let until = pattern == 2 ? ", until: \(enough)" : ""
        let graph = try LoggedGraph("""
            nodes:
              a: {kind: test.indexed, count: \(Self.frames), framerate: 100, width: 48, height: 32, gate: \(gate)\(until)}
              b: {kind: test.indexed, count: \(Self.frames), framerate: 100, width: 48, height: 32, gate: \(gate)\(until)}
              txa: {kind: netgear.send, input: {node: a, queue: {size: 64, policy: block}}, address: 127.0.0.1, port: \(ports[0]), pattern: \(pattern), multiserver_mode: true, hwm: 64}
              txb: {kind: netgear.send, input: {node: b, queue: {size: 64, policy: block}}, address: 127.0.0.1, port: \(ports[1]), pattern: \(pattern), multiserver_mode: true, hwm: 64}
            """)
        #expect(await openGate(gate, when: graph, nodes: ["txa", "txb"]))
        if pattern == 2 {
            #expect(await eventually(timeout: 30) { ports.allSatisfy { peer.progress(fromPort: $0) >= Self.frames } }, "\(peer.transcript)")
            openGate(enough)
        }
        #expect(await graph.ended(within: 30))
        await graph.stop()
        let result = await peer.result(timeout: pattern == 2 ? 20 : 60)
        if pattern == 2 && result == nil {
            // PUB/SUB has no acknowledgement: a terminate queued (with XPUB_NODROP) on a
            // connection that libzmq drops and re-makes on a loaded machine is gone, and vidgear
            // then waits for ever. Seen in 2 of 3 full parallel runs, never alone or under
            // stress-ng; the frames are still checked below, from vidgear's progress.
            withKnownIssue("vidgear's multi-server SUB may miss a PUB's terminate on a loaded machine", isIntermittent: true) {
                Issue.record("vidgear did not end: \(peer.transcript.suffix(300))")
            }
            for p in ports { #expect(peer.progress(fromPort: p) >= Self.frames, "port \(p)\n\(peer.transcript)") }
            return
        }
        #expect(result?["ended"]?.stringValue == "terminate", "vidgear ends once both senders have terminated\n\(peer.transcript)")
        let seen = result?["ports"]?.ints ?? []
        for p in ports {
            let n = seen.filter { $0 == p }.count
            if pattern == 1 {
                #expect(n + (result?["left_in_queue"]?.int ?? 0) >= Self.frames, "port \(p): \(n)\n\(peer.transcript)")
            } else {
                #expect(n >= Self.frames, "port \(p): \(n)\n\(peer.transcript)")
            }
        }
    }

    // MARK: Multi-client mode

    /// One sender connecting to two vidgear receivers: REQ takes turns, PUB reaches both. Unlike
    /// vidgear, our sender also ends a PUB/SUB multi-client stream with a terminate.
    @Test(arguments: [1, 2])
    func multiClientOurSenderToTwoVidgearReceivers(_ pattern: Int) async throws {
        let ports = [uniquePort(), uniquePort()]
        var peers: [VidgearPeer] = []
        for p in ports {
            // A REP receiver that hears nothing for 3 request timeouts (vidgear's default 4 s)
            // closes and rebinds at once, which fails ("Address already in use") and kills its
            // receive thread: on a busy machine the graph can take that long to start sending.
            // A generous timeout waits for the event (the first frame) instead of a window.
            peers.append(try await VidgearPeer(["recv", "--port", "\(p)", "--pattern", "\(pattern)", "--multiclient", "--frames", "100000",
                                                "--request-timeout", "30"]))
        }
        for peer in peers { #expect(await peer.ready(), "\(peer.transcript)") }
        let gate = uniqueKey("gate"), enough = uniqueKey("enough")
        // PUB/SUB: the source streams until each receiver has `frames` frames.
        let graph = try LoggedGraph("""
            nodes:
              src: {kind: test.indexed, count: \(Self.frames * 2), framerate: 100, width: 48, height: 32, gate: \(gate)\(pattern == 2 ? ", until: \(enough)" : "")}
              tx:
                kind: netgear.send
                input: {node: src, queue: {size: 64, policy: block}}
                address: 127.0.0.1
                port: [\(ports[0]), \(ports[1])]
                pattern: \(pattern)
                multiclient_mode: true
                jpeg_compression: false
                hwm: 64
            """)
        #expect(await openGate(gate, when: graph, nodes: ["tx"], peers: 2))
        if pattern == 2 {
            for peer in peers { #expect(await peer.progressed(to: Self.frames), "\(peer.transcript)") }
            openGate(enough)
        }
        #expect(await graph.ended(within: 30))
        await graph.stop()
        var total = 0
        for peer in peers {
            let r = await peer.result()
            let n = (r?["received"]?.int ?? 0) + (r?["left_in_queue"]?.int ?? 0)
            total += n
            #expect(r?["ended"]?.stringValue == "terminate", "\(peer.transcript)")
            #expect(r?["exact"]?.int == r?["received"]?.int, "\(peer.transcript)")
            if pattern == 1 {
                #expect(n >= Self.frames - 2 && n <= Self.frames + 2, "REQ takes turns: \(n)\n\(peer.transcript)")
            } else {
                #expect(n >= Self.frames, "PUB reaches every receiver: \(n)\n\(peer.transcript)")
            }
        }
        if pattern == 1 {
            #expect(total == Self.frames * 2, "every frame reached one receiver")
            #expect(graph.extra("tx", "replies") == Self.frames * 2)
        }
    }

    /// One vidgear sender connecting to two of our receivers, each replying with its port.
    @Test(arguments: [1, 2])
    func multiClientVidgearSenderToTwoOfOurReceivers(_ pattern: Int) async throws {
        let ports = [uniquePort(), uniquePort()]
        let keys = [uniqueKey("mc-a"), uniqueKey("mc-b")]
        let graph = try LoggedGraph("""
            nodes:
              a: {kind: netgear.receive, address: 127.0.0.1, port: \(ports[0]), pattern: \(pattern), multiclient_mode: true}
              b: {kind: netgear.receive, address: 127.0.0.1, port: \(ports[1]), pattern: \(pattern), multiclient_mode: true}
              sa: {kind: test.collect, input: a, key: \(keys[0])}
              sb: {kind: test.collect, input: b, key: \(keys[1])}
            """)
        let gate = gateFile()
        let peer = try await VidgearPeer(["send", "--ports", "\(ports[0]),\(ports[1])", "--pattern", "\(pattern)", "--multiclient",
                                          "--frames", pattern == 2 ? "100000" : "\(Self.frames * 2)", "--fps", "60", "--wait-file", gate])
        #expect(await openGateFile(gate, when: graph, nodes: ["a", "b"]))
        let result: JSONValue?
        if pattern == 2 {
            // PUB/SUB: vidgear streams until each receiver has `frames` frames.
            #expect(await eventually(timeout: 30) { keys.allSatisfy { collected($0).count >= Self.frames } })
            result = await peer.stop()
            #expect((result?["sent"]?.int ?? 0) >= Self.frames, "one send reaches both: \(peer.transcript)")
        } else {
            result = await peer.result()
            #expect(result?["sent"]?.int == Self.frames * 2, "\(peer.transcript)")
        }
        // vidgear sends no terminate at all in multi-client PUB/SUB (below): a few seconds tell.
        let ended = await graph.ended(within: pattern == 1 ? 30 : 5)
        await graph.stop()
        let a = collected(keys[0]).count, b = collected(keys[1]).count
        if pattern == 1 {
            #expect(ended, "vidgear sends one terminate per receiver it heard from")
            #expect(a + b == Self.frames * 2 && abs(a - b) <= 2, "\(a) + \(b)")
            // vidgear's send() returns (port, data): each reply names the receiver's port.
            let replyPorts = Set((result?["replies"]?.arrayValue ?? []).compactMap { $0.arrayValue?.first?.int })
            #expect(replyPorts == Set(ports), "\(peer.transcript)")
        } else {
            #expect(a >= Self.frames && b >= Self.frames, "\(a), \(b)")
            if !ended {
                withKnownIssue("vidgear never sends a terminate in multi-client PUB/SUB (its port list fills only from pattern-1 replies, netgear-protocol.md §3.1)") {
                    Issue.record("no terminate from vidgear's multi-client PUB")
                }
            }
        }
    }

    // MARK: Keys

    /// Keys generated by vidgear: its secret files are readable by everyone (0644), which our
    /// key store refuses with the command that fixes it; after `chmod 600` both directions work.
    @Test func keysMadeByVidgearWorkForUsAfterChmod() async throws {
        let dir = TestPaths.temporaryDirectory("ng-vkeys")
        let made = try await VidgearPeer.makeKeys(in: dir)
        let secretDir = dir + "/.vidgear/keys/private_keys"
        #expect(made["secret"]?.stringValue == secretDir)
        #expect(made["modes"]?[secretDir + "/server.key_secret"] == "0o644", "vidgear writes secrets world-readable: \(made)")
        let port = uniquePort()
        // Without the chmod a node refuses to start, saying what to run.
        let refusedGraphs = [
            (secretDir + "/server.key_secret", """
                nodes:
                  rx: {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: 1, secure_mode: 2, custom_cert_location: \(dir)}
                  sink: {kind: test.collect, input: rx}
                """),
            (secretDir + "/client.key_secret", """
                nodes:
                  src: {kind: test.indexed, count: 1}
                  tx: {kind: netgear.send, input: src, address: 127.0.0.1, port: \(port), pattern: 1, secure_mode: 2, custom_cert_location: \(dir)}
                """),
        ]
        for (file, yaml) in refusedGraphs {
            do {
                let graph = try LoggedGraph(yaml)
                await graph.stop()
                Issue.record("a node started with the world-readable secret key file \(file)")
            } catch {
                #expect("\(error)".contains("chmod 600 \(file)"), "\(error)")
            }
        }
        for name in ["server", "client"] {
            #expect(chmod(secretDir + "/\(name).key_secret", 0o600) == 0)
        }
        // vidgear sender -> our receiver, IronHouse, vidgear's keys.
        let key = uniqueKey("vkeys")
        let graph = try LoggedGraph("""
            nodes:
              rx: {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: 1, secure_mode: 2, custom_cert_location: \(dir)}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        let sender = try await VidgearPeer(["send", "--port", "\(port)", "--pattern", "1", "--frames", "\(Self.frames)", "--fps", "60",
                                            "--secure", "2", "--cert-dir", dir])
        #expect(await sender.result()?["sent"]?.int == Self.frames, "\(sender.transcript)")
        #expect(await graph.ended(within: 30))
        await graph.stop()
        #expect(collected(key).count == Self.frames)
        // Our sender -> vidgear receiver, IronHouse, vidgear's keys.
        let port2 = uniquePort()
        let receiver = try await VidgearPeer(["recv", "--port", "\(port2)", "--pattern", "1", "--frames", "100000",
                                              "--secure", "2", "--cert-dir", dir])
        #expect(await receiver.ready(), "\(receiver.transcript)")
        let graph2 = try LoggedGraph("""
            nodes:
              src: {kind: test.indexed, count: \(Self.frames), width: 48, height: 32}
              tx: {kind: netgear.send, input: {node: src, queue: {size: 64, policy: block}}, address: 127.0.0.1, port: \(port2), pattern: 1, secure_mode: 2, custom_cert_location: \(dir)}
            """)
        #expect(await graph2.ended(within: 30))
        await graph2.stop()
        let r = await receiver.result()
        #expect((r?["received"]?.int ?? 0) + (r?["left_in_queue"]?.int ?? 0) == Self.frames, "\(receiver.transcript)")
        #expect(r?["ended"]?.stringValue == "terminate", "\(receiver.transcript)")
    }

    /// Keys made by us (`media-router keys generate` = `ensureKeys`) are taken by vidgear as they
    /// are: it does not regenerate them (it would if it found them invalid), and both ends agree.
    @Test func keysMadeByUsWorkForVidgear() async throws {
        let dir = try makeKeys("ourkeys")
        let store = try VidgearKeyStore(customCertLocation: dir)
        let before = try store.allowedClientKeys().map(\.key)
        let server = try store.serverPublicKey()
        let port = uniquePort()
        let receiver = try await VidgearPeer(["recv", "--port", "\(port)", "--pattern", "1", "--frames", "100000",
                                              "--secure", "2", "--cert-dir", dir])
        #expect(await receiver.ready(), "\(receiver.transcript)")
        let graph = try LoggedGraph("""
            nodes:
              src: {kind: test.indexed, count: \(Self.frames), width: 48, height: 32}
              tx: {kind: netgear.send, input: {node: src, queue: {size: 64, policy: block}}, address: 127.0.0.1, port: \(port), pattern: 1, secure_mode: 2, custom_cert_location: \(dir)}
            """)
        #expect(await graph.ended(within: 30))
        await graph.stop()
        let r = await receiver.result()
        #expect((r?["received"]?.int ?? 0) + (r?["left_in_queue"]?.int ?? 0) == Self.frames, "\(receiver.transcript)")
        #expect(try store.allowedClientKeys().map(\.key) == before, "vidgear rewrote our key files")
        #expect(try store.serverPublicKey() == server)
        #expect(try store.serverKeyPair().publicKey == server)
    }

    /// `media-router keys add-client` writes a key folder for a new client; a vidgear client
    /// uses it as its custom_cert_location as it is (vidgear's key check wants two secret files
    /// there, so the folder holds a placeholder server secret), and an IronHouse receiver of
    /// ours admits it.
    @Test func clientBundleFromAddClientUsedByVidgear() async throws {
        let dir = try makeKeys("bundle-server")
        let store = try VidgearKeyStore(customCertLocation: dir)
        let pair = try store.addClient(name: "pycam")
        let bundleDir = TestPaths.temporaryDirectory("ng-bundle")
        _ = try store.exportClientBundle(name: "pycam", keyPair: pair, to: bundleDir)
        let port = uniquePort()
        let key = uniqueKey("bundle")
        let graph = try LoggedGraph("""
            nodes:
              rx: {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: 2, secure_mode: 2, custom_cert_location: \(dir)}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        let gate = gateFile()
        let sender = try await VidgearPeer(["send", "--port", "\(port)", "--pattern", "2", "--frames", "100000", "--fps", "30",
                                            "--secure", "2", "--cert-dir", bundleDir, "--wait-file", gate])
        #expect(await openGateFile(gate, when: graph, nodes: ["rx"]))
        // vidgear streams until a frame has come through (or the ceiling says it never will).
        _ = await eventually(timeout: 30) { collected(key).count > 0 }
        _ = await sender.stop()
        await graph.stop()
        let bundle = try VidgearKeyStore(customCertLocation: bundleDir)
        let keptKey = (try? CurveCertificate.readKeyPair(from: bundle.secretKeyPath("client")))?.publicKey == pair.publicKey
        #expect(keptKey, "vidgear replaced the bundle's client key")
        #expect(collected(key).count > 0, "the vidgear client was refused\n\(sender.transcript)")
        #expect(graph.logs.contains("client \(pair.publicKey.fingerprint) at 127.0.0.1 authenticated"), "\(graph.logs.all)")
    }

    /// vidgear's IronHouse receiver refuses a key it does not list: our sender says so by the
    /// key's fingerprint, drops frames instead of waiting out reply timeouts (and failing), and
    /// keeps knocking at a slowing rate. (vidgear reads its allow-list once, at start, so only a
    /// restart of the vidgear side would let the key in.)
    @Test func refusedByVidgearIsLoggedAndRetried() async throws {
        let keys = try makeKeys("vref")
        let pair = try CurveKeyPair.generate()
        let bundle = TestPaths.temporaryDirectory("ng-vref-client")
        _ = try VidgearKeyStore(customCertLocation: keys).exportClientBundle(name: "stranger", keyPair: pair, to: bundle)
        let port = uniquePort()
        let receiver = try await VidgearPeer(["recv", "--port", "\(port)", "--pattern", "1", "--frames", "100000",
                                              "--secure", "2", "--cert-dir", keys])
        #expect(await receiver.ready(), "\(receiver.transcript)")
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 30}
              tx: {kind: netgear.send, input: cam, address: 127.0.0.1, port: \(port), pattern: 1, secure_mode: 2, custom_cert_location: \(bundle)}
            """)
        #expect(await eventually(timeout: 30) { graph.extra("tx", "auth_retries") >= 1 && graph.extra("tx", "auth_refused") >= 2 },
                "\(graph.counters("tx")?.extraCounters ?? [:])")
        #expect(graph.logs.contains("refused this node's key \(pair.publicKey.fingerprint)"), "\(graph.logs.all)")
        #expect(graph.extra("tx", "not_authorized") > 0)
        #expect(graph.extra("tx", "reply_timeouts") == 0)
        #expect(graph.runtime.failures.isEmpty && !graph.runtime.isFinished)
        await graph.stop()
        #expect(await receiver.stop()?["received"]?.int == 0, "\(receiver.transcript)")
    }

    // MARK: vidgear quirks a peer must live with

    /// A heartbeat PING reaching vidgear's secure PAIR receiver before the first frame kills its
    /// receive thread (libzmq queues the ZAP user id alone, poll says readable, recv(DONTWAIT)
    /// raises EAGAIN). Our connecting PAIR sender therefore sends no heartbeats; here the first
    /// frame comes 1.5 s (three heartbeat intervals) after connecting.
    @Test func noHeartbeatBeforeTheFirstFrameToVidgearSecurePair() async throws {
        let keys = try makeKeys("hb")
        let port = uniquePort()
        let peer = try await VidgearPeer(["recv", "--port", "\(port)", "--pattern", "0", "--frames", "100000"]
                                         + peerSecureArgs(1, keys: keys))
        #expect(await peer.ready(), "\(peer.transcript)")
        let graph = try LoggedGraph("""
            nodes:
              src: {kind: test.indexed, count: 5, width: 16, height: 16, delay: 1.5s}
              tx:
                kind: netgear.send
                input: {node: src, queue: {size: 64, policy: block}}
                address: 127.0.0.1
                port: \(port)
                pattern: 0
                jpeg_compression: false
                \(secureOptions(1, keys: keys))
            """)
        #expect(await graph.ended(within: 30))
        await graph.stop()
        let r = await peer.result()
        #expect(!peer.stderr.contains("zmq.error.Again"), "\(peer.transcript)")
        #expect((r?["received"]?.int ?? 0) + (r?["left_in_queue"]?.int ?? 0) == 5, "\(peer.transcript)")
    }

    /// vidgear's secure PAIR receiver also dies when the first frame message is larger than one
    /// 8 KiB read of libzmq: the ZAP user id is queued with the first part while the rest is
    /// still arriving. It is a race (about half the runs), and it happens with vidgear's own
    /// sender just the same, so nothing on the sending side avoids it; JPEG or small frames do.
    /// Every run must end one of exactly two ways: every frame arrives, or the receive thread
    /// dies of that race (the known issue); anything else (a hang, a lost or wrong frame) fails.
    @Test func largeFirstFrameRacesVidgearSecurePairReceiver() async throws {
        let keys = try makeKeys("big")
        let attempts = 3
        let outcomes = try await withThrowingTaskGroup(of: (vidgear: Bool, died: Bool).self) { group in
            for i in 0..<(2 * attempts) {
                group.addTask { (i % 2 == 1, try await Self.largeFrameRun(keys: keys, vidgearSender: i % 2 == 1)) }
            }
            var all: [(vidgear: Bool, died: Bool)] = []
            for try await o in group { all.append(o) }
            return all
        }
        let ours = outcomes.filter { !$0.vidgear && $0.died }.count
        let theirs = outcomes.filter { $0.vidgear && $0.died }.count
        if ours + theirs > 0 {
            withKnownIssue("vidgear's secure PAIR receiver can die on a first message over 8 KiB (with our sender: \(ours), with vidgear's: \(theirs) of \(attempts) runs each)") {
                Issue.record("vidgear's receive thread died")
            }
        }
    }

    /// Sends three 640x480 raw frames to a new vidgear receiver, from our sender or vidgear's;
    /// returns whether the receiver's thread died, and checks that otherwise every frame came.
    static func largeFrameRun(keys: String, vidgearSender: Bool) async throws -> Bool {
        let port = uniquePort()
        let receiver = try await VidgearPeer(["recv", "--port", "\(port)", "--pattern", "0", "--frames", "3"]
                                             + peerSecureArgs(1, keys: keys))
        #expect(await receiver.ready(), "\(receiver.transcript)")
        var sender: VidgearPeer?
        var graph: LoggedGraph?
        if vidgearSender {
            sender = try await VidgearPeer(["send", "--port", "\(port)", "--pattern", "0", "--frames", "3", "--width", "640", "--height", "480"]
                                           + peerSecureArgs(1, keys: keys))
        } else {
            graph = try LoggedGraph("""
                nodes:
                  src: {kind: test.indexed, count: 3, width: 640, height: 480}
                  tx: {kind: netgear.send, input: {node: src, queue: {size: 8, policy: block}}, address: 127.0.0.1, port: \(port), pattern: 0, jpeg_compression: false, secure_mode: 1, custom_cert_location: \(keys)}
                """)
        }
        // The receiver ends by itself after three frames, or its thread dies (and it waits).
        #expect(await eventually(timeout: 30) { receiver.isDone || receiver.receiveThreadDied }, "\(receiver.transcript)")
        let died = receiver.receiveThreadDied
        let r = died ? await receiver.stop() : await receiver.result()
        await graph?.stop()
        _ = await sender?.stop()
        if died { return true }
        // vidgear's recv() ends at a terminate with frames still queued (netgear-protocol.md §3.2).
        let received = r?["received"]?.int ?? 0
        #expect(received + (r?["left_in_queue"]?.int ?? 0) == 3, "\(receiver.transcript)")
        #expect(["count", "terminate"].contains(r?["ended"]?.stringValue ?? ""), "\(receiver.transcript)")
        #expect(r?["exact"]?.int == received, "\(receiver.transcript)")
        return false
    }
}
