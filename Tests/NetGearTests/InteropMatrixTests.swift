import Foundation
import MediaRouter
import Testing
import TestSupport

/// The real vidgear (PyPI package, run by Tests/interop/vidgear_peer.py) against our nodes, in
/// both directions, for every pattern, security mode and compression setting: 36 cases, run
/// in parallel on unique ports.
@Suite("NetGear interop with vidgear: matrix", .enabled(if: hasVidgear, Comment(rawValue: vidgearMissing)))
struct InteropMatrixTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var pattern: Int
        var secure: Int
        var jpeg: Bool
        var testDescription: String { "pattern \(pattern), secure \(secure), jpeg \(jpeg)" }
    }

    static let cases: [Case] = (0...2).flatMap { p in (0...2).flatMap { s in [false, true].map { Case(pattern: p, secure: s, jpeg: $0) } } }

    static let frames = 20
    /// Small enough that a frame message fits in one 8 KiB read of libzmq: a larger first
    /// message can kill vidgear's secure PAIR receiver (see InteropQuirkTests), which is not
    /// what this matrix is about.
    static let width = 48, height = 32

    /// vidgear's sender ("Server") connects to our binding receiver.
    @Test(arguments: cases)
    func vidgearSenderToOurReceiver(_ c: Case) async throws {
        let keys = c.secure > 0 ? try makeKeys("vs") : nil
        let port = uniquePort()
        let key = uniqueKey("v2us")
        let graph = try LoggedGraph("""
            nodes:
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: \(c.pattern)
                \(secureOptions(c.secure, keys: keys))
              sink: {kind: test.collect, input: rx, key: \(key), keep: true}
            """)
        // PUB/SUB: vidgear's sender starts once it is connected and subscribed to (slow joiner),
        // and streams until we have `frames` of its frames: what it publishes before the
        // subscription reaches it is lost, as for any PUB.
        let gate = gateFile()
        let peer = try await VidgearPeer(["send", "--port", "\(port)", "--pattern", "\(c.pattern)", "--jpeg", c.jpeg ? "1" : "0",
                                          "--frames", c.pattern == 2 ? "100000" : "\(Self.frames)", "--fps", "60",
                                          "--width", "\(Self.width)", "--height", "\(Self.height)"]
                                         + (c.pattern == 2 ? ["--wait-file", gate] : []) + peerSecureArgs(c.secure, keys: keys))
        var result: JSONValue?
        if c.pattern == 2 {
            #expect(await openGateFile(gate, when: graph, nodes: ["rx"]))
            #expect(await eventually(timeout: 30) { collected(key).count >= Self.frames }, "got \(collected(key).count)\n\(peer.transcript)")
            result = await peer.stop()
            #expect((result?["sent"]?.int ?? 0) >= Self.frames, "\(peer.transcript)")
        } else {
            result = await peer.result()
            #expect(result?["sent"]?.int == Self.frames, "\(peer.transcript)")
        }
        #expect(result?["error"]?.isNull ?? false, "\(peer.transcript)")
        // vidgear's close() sends the terminate message, which ends our (binding) receiver. Its
        // result line comes after close(), so the terminate is on its way or lost by now.
        let ended = await graph.ended(within: c.pattern < 2 ? 30 : 10)
        if !ended {
            await graph.stop()
        }
        if c.pattern < 2 {
            #expect(ended, "vidgear's terminate message did not end our receiver")
        } else if !ended {
            withKnownIssue("vidgear's PUB closes with LINGER=0 right after sending its terminate, which may discard it (netgear-protocol.md §3.1)",
                           isIntermittent: true) {
                Issue.record("vidgear's terminate did not arrive")
            }
        }
        #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
        let got = collected(key)
        if c.pattern < 2 {
            #expect(got.count == Self.frames, "lock-step patterns lose nothing; got \(got.count)")
        } else {
            #expect(got.count >= Self.frames, "got \(got.count) of \(Self.frames)")
        }
        var indices: [Int] = []
        for f in got {
            #expect(f.width == Self.width && f.height == Self.height)
            #expect(f.format == (c.jpeg ? .jpeg : .bgr))
            guard let payload = f.payload else { continue }
            if c.jpeg {
                let pixels = try decodeJPEG(payload)
                let index = Int(pixels[(2 * Self.width + 2) * 3])
                indices.append(index)
                #expect(meanAbsDiff(pixels.withUnsafeBytes { $0 }, indexedFrame(index, width: Self.width, height: Self.height)) < 3)
            } else {
                #expect(f.byteCount == Self.width * Self.height * 3)
                let index = Int(payload.bytes[(2 * Self.width + 2) * 3])
                indices.append(index)
                #expect(payload.bytes.elementsEqual(indexedFrame(index, width: Self.width, height: Self.height)), "raw frame \(index) differs")
            }
        }
        if c.pattern < 2 {
            #expect(indicesMatch(indices, Array(0..<Self.frames), jpeg: c.jpeg), "\(indices)")
        } else {
            // vidgear's PUB closes with LINGER 0, so its last frames may go with its terminate.
            #expect(isIncreasing(indices, jpeg: c.jpeg), "\(indices)")
        }
        #expect(graph.counters("rx")?.dropped.load(ordering: .relaxed) == 0)
        if c.secure > 0 {
            #expect(graph.extra("rx", "auth_accepted") >= 1)
            #expect(graph.extra("rx", "auth_denied") == 0)
        }
    }

    /// Our sender connects to vidgear's binding receiver ("Client").
    @Test(arguments: cases)
    func ourSenderToVidgearReceiver(_ c: Case) async throws {
        let keys = c.secure > 0 ? try makeKeys("vr") : nil
        let port = uniquePort()
        let peer = try await VidgearPeer(["recv", "--port", "\(port)", "--pattern", "\(c.pattern)", "--frames", "100000"]
                                         + peerSecureArgs(c.secure, keys: keys))
        #expect(await peer.ready(), "\(peer.transcript)")
        let gate = uniqueKey("gate"), enough = uniqueKey("enough")
        let graph = try LoggedGraph("""
            nodes:
              src: {kind: test.indexed, count: \(Self.frames), framerate: 100, width: \(Self.width), height: \(Self.height)\(c.pattern == 2 ? ", gate: \(gate), until: \(enough)" : "")}
              tx:
                kind: netgear.send
                input: {node: src, queue: {size: 64, policy: block}}
                address: 127.0.0.1
                port: \(port)
                pattern: \(c.pattern)
                jpeg_compression: \(c.jpeg)
                \(c.pattern == 2 ? "hwm: 64" : "")
                \(secureOptions(c.secure, keys: keys))
            """)
        // PUB/SUB: the source waits for the handshake and streams until vidgear has `frames`
        // frames (what goes out before the subscription arrives is lost, as for any PUB); the
        // sender's queue holds a burst (its default of 2 prefers fresh frames to complete
        // ones), so that only what vidgear does is measured.
        let knownBroken = c.pattern == 2 && c.secure > 0
        if c.pattern == 2 {
            #expect(await openGate(gate, when: graph, nodes: ["tx"]))
            if knownBroken {
                // Nothing will arrive (see below): stream as many frames as the others need.
                #expect(await eventually(timeout: 30) { (graph.counters("tx")?.framesIn.load(ordering: .relaxed) ?? 0) >= Self.frames })
            } else {
                #expect(await peer.progressed(to: Self.frames), "\(peer.transcript)")
            }
            openGate(enough)
        }
        let ended = await graph.ended(within: 30)
        if !ended { await graph.stop() }
        #expect(ended, "our sender did not end after its source\n\(graph.logs.all.suffix(15).joined(separator: "\n"))")
        #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
        // Our terminate ends vidgear's recv(), except where vidgear receives nothing at all.
        let result = knownBroken ? await peer.stop() : await peer.result()
        let check = {
            let received = result?["received"]?.int ?? 0
            #expect(received > 0, "vidgear received nothing\n\(peer.transcript)")
            // Our terminate message ends vidgear's recv().
            #expect(result?["ended"]?.stringValue == "terminate", "\(peer.transcript)")
            let corners = result?["corners"]?.ints ?? []
            if c.pattern < 2 {
                // vidgear's recv() drops frames still queued when the terminate arrives (§3.2).
                let left = result?["left_in_queue"]?.int ?? 0
                #expect(received + left == Self.frames, "\(peer.transcript)")
                #expect(indicesMatch(corners, Array(0..<received), jpeg: c.jpeg), "\(corners)")
            } else {
                #expect(received >= Self.frames, "\(peer.transcript)")
                #expect(isIncreasing(corners, jpeg: c.jpeg), "\(corners)")
            }
            #expect(result?["shapes"] == [[.int(Int64(Self.height)), .int(Int64(Self.width)), 3]], "\(peer.transcript)")
            #expect(result?["dtypes"] == ["uint8"], "\(peer.transcript)")
            if c.jpeg {
                #expect((result?["max_diff"]?.doubleValue ?? 255) < 3, "\(peer.transcript)")
            } else {
                #expect(result?["exact"]?.int == received, "raw frames arrive bit-exact\n\(peer.transcript)")
            }
        }
        if knownBroken {
            // vidgear's SUB sets RCVHWM 1, and a CURVE-server SUB with RCVHWM 1 behind a ZAP
            // handler delivers nothing (libzmq 4.3); see vidgearPubSubSecureFailsForVidgearToo.
            withKnownIssue("vidgear's secure PUB/SUB receiver (RCVHWM=1 CURVE server) never delivers a frame, even from vidgear") {
                check()
            }
        } else {
            check()
        }
        #expect(graph.counters("tx")?.dropped.load(ordering: .relaxed) == 0)
    }

    /// The control for the known issue above: vidgear's own sender cannot reach vidgear's own
    /// secure PUB/SUB receiver either, so the fault is vidgear's (its SUB's RCVHWM of 1).
    @Test(arguments: [1, 2])
    func vidgearPubSubSecureFailsForVidgearToo(_ secure: Int) async throws {
        let keys = try makeKeys("vv")
        // The secure pair and, beside it, the same pair without security, which works: so the
        // setup itself is sound.
        let port = uniquePort(), plainPort = uniquePort()
        let receiver = try await VidgearPeer(["recv", "--port", "\(port)", "--pattern", "2", "--frames", "100000"]
                                             + peerSecureArgs(secure, keys: keys))
        let plainReceiver = try await VidgearPeer(["recv", "--port", "\(plainPort)", "--pattern", "2", "--frames", "100000"])
        #expect(await receiver.ready(), "\(receiver.transcript)")
        #expect(await plainReceiver.ready(), "\(plainReceiver.transcript)")
        // Both senders stream until the test has seen enough: the plain pair delivering shows
        // that subscriptions have had time to arrive; the secure sender then sends 30 more.
        let sender = try await VidgearPeer(["send", "--port", "\(port)", "--pattern", "2", "--frames", "100000", "--fps", "30"]
                                           + peerSecureArgs(secure, keys: keys))
        let plainSender = try await VidgearPeer(["send", "--port", "\(plainPort)", "--pattern", "2", "--frames", "100000", "--fps", "30"])
        #expect(await plainReceiver.progressed(to: 10), "\(plainReceiver.transcript)")
        #expect(await sender.progressed(to: sender.progress + 30), "\(sender.transcript)")
        let sent = await sender.stop()
        _ = await plainSender.stop()
        let got = await receiver.stop()
        let plain = await plainReceiver.stop()
        #expect((sent?["sent"]?.int ?? 0) >= 30, "\(sender.transcript)")
        #expect(got?["received"]?.int == 0, "vidgear -> vidgear secure PUB/SUB delivered frames after all: remove the known issue\n\(receiver.transcript)")
        #expect((plain?["received"]?.int ?? 0) >= 10, "\(plainReceiver.transcript)")
    }
}
