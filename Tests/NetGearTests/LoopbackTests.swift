import Foundation
import MediaRouter
import Testing
import TestSupport

/// Our sender to our receiver over real libzmq on loopback, in every pattern, security mode and
/// compression setting, with the stream ending by the sender's terminate message.
@Suite("NetGear loopback")
struct LoopbackTests {
    struct Combo: Sendable, CustomTestStringConvertible {
        var pattern: Int
        var secure: Int
        var jpeg: Bool
        var testDescription: String { "pattern \(pattern), secure \(secure), jpeg \(jpeg)" }
    }

    static let combos: [Combo] = (0...2).flatMap { p in (0...2).flatMap { s in [false, true].map { Combo(pattern: p, secure: s, jpeg: $0) } } }

    @Test(arguments: combos)
    func senderToReceiver(_ c: Combo) async throws {
        let keys = c.secure > 0 ? try makeKeys() : nil
        let port = uniquePort()
        let key = uniqueKey("loop")
        let frames = 30
        let gate = uniqueKey("gate"), enough = uniqueKey("enough")
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: test.indexed, width: 64, height: 48, framerate: 200, count: \(frames)\(c.pattern == 2 ? ", gate: \(gate), until: \(enough)" : "")}
              tx:
                kind: netgear.send
                input: {node: cam, queue: {size: 64, policy: block}}
                address: 127.0.0.1
                port: \(port)
                pattern: \(c.pattern)
                jpeg_compression: \(c.jpeg)
                \(c.pattern == 2 ? "hwm: 10000" : "")
                \(secureOptions(c.secure, keys: keys))
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: \(c.pattern)
                \(c.pattern == 2 ? "hwm: 10000" : "")
                \(secureOptions(c.secure, keys: keys))
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        // PUB/SUB drops what is published before the subscription arrives (slow joiner): the
        // source starts once the sender has its subscriber and streams until the receiver has
        // `frames` of them; both sockets and queues hold the whole stream (their defaults prefer
        // fresh frames to complete ones, and a PUB drops at its high-water mark, which a loaded
        // machine turns into losses).
        if c.pattern == 2 {
            #expect(await openGate(gate, when: graph, nodes: ["tx"]))
            #expect(await eventually(timeout: 30) { collected(key).count >= frames }, "got \(collected(key).count)")
            openGate(enough)
        }
        // The sender's terminate ends the receiver, so the graph ends by itself.
        let ended = await graph.ended(within: 30)
        if !ended { await graph.stop() }
        #expect(ended, "graph did not end by itself after the sender's terminate")
        #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
        let got = collected(key)
        if c.pattern < 2 {
            #expect(got.count == frames, "lock-step patterns lose nothing")
            #expect(got.map(\.sequence) == Array(0..<UInt64(frames)))
        } else {
            // Once the subscription is in, nothing is lost: every frame sent from the first one
            // received to the last.
            let sent = graph.counters("cam")?.framesOut.load(ordering: .relaxed) ?? 0
            let first = got.first?.sequence ?? 0
            #expect(got.count >= frames, "got \(got.count)")
            #expect(got.map(\.sequence) == Array(first..<UInt64(sent)), "sent \(sent), got \(got.map(\.sequence))")
            #expect(graph.extra("rx", "terminates") == 1)
        }
        for f in got {
            #expect(f.width == 64 && f.height == 48)
            #expect(f.format == (c.jpeg ? .jpeg : .bgr))
            if !c.jpeg { #expect(f.byteCount == 64 * 48 * 3) }
            #expect(f.timestamp > 1_700_000_000_000_000_000, "capture time travels with the frame")
        }
        #expect(graph.counters("rx")?.dropped.load(ordering: .relaxed) == 0)
    }

    /// `jpeg_threads`: frames encoded ahead on several threads still go out in input order,
    /// each picture the one its sequence number names, in colour and in gray.
    @Test(arguments: [false, true])
    func encodingAheadKeepsOrderAndPictures(_ gray: Bool) async throws {
        let keys = try makeKeys()
        let port = uniquePort()
        let key = uniqueKey("ahead")
        let frames = 120
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: test.indexed, width: 64, height: 48, framerate: 1000, count: \(frames), gray: \(gray)}
              tx:
                kind: netgear.send
                input: {node: cam, queue: {size: 256, policy: block}}
                address: 127.0.0.1
                port: \(port)
                pattern: 1
                jpeg_compression: true
                jpeg_threads: 3
                \(secureOptions(1, keys: keys))
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: 1
                \(secureOptions(1, keys: keys))
              sink: {kind: test.collect, input: rx, key: \(key), keep: true}
            """)
        let ended = await graph.ended(within: 15)
        if !ended { await graph.stop() }
        #expect(ended, "graph did not end by itself after the sender's terminate")
        #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
        let got = collected(key)
        #expect(got.count == frames)
        #expect(got.map(\.sequence) == Array(0..<UInt64(frames)))
        #expect(got.allSatisfy { $0.format == .jpeg })
        let indices = try got.map { f -> Int in
            let pixels = try decodeJPEG(f.payload!, gray: gray)
            return Int(pixels[(4 * 64 + 4) * (gray ? 1 : 3)])
        }
        #expect(indicesMatch(indices, (0..<frames).map { $0 % 256 }, jpeg: true), "\(indices)")
        #expect(graph.counters("tx")?.dropped.load(ordering: .relaxed) == 0)
    }

    /// Multi-server: the receiver ends when every sender of its port list has ended, not when
    /// the ones it has heard from have (vidgear ends early when a sender starts late).
    @Test(arguments: [1, 2])
    func multiServerWaitsForEverySender(_ pattern: Int) async throws {
        let ports = [uniquePort(), uniquePort()]
        let key = uniqueKey("ms")
        let graph = try LoggedGraph("""
            nodes:
              early: {kind: test.indexed, count: 5, framerate: 100, delay: 0.2s}
              late: {kind: test.indexed, count: 5, framerate: 100, delay: 1s}
              txa: {kind: netgear.send, input: {node: early, queue: {size: 16, policy: block}}, address: 127.0.0.1, port: \(ports[0]), pattern: \(pattern), multiserver_mode: true, hwm: 16}
              txb: {kind: netgear.send, input: {node: late, queue: {size: 16, policy: block}}, address: 127.0.0.1, port: \(ports[1]), pattern: \(pattern), multiserver_mode: true, hwm: 16}
              rx: {kind: netgear.receive, address: 127.0.0.1, port: [\(ports[0]), \(ports[1])], pattern: \(pattern), multiserver_mode: true, hwm: 16}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        #expect(await graph.ended(within: 8), "the receiver did not end after both senders")
        await graph.stop()
        let got = collected(key)
        #expect(got.filter { $0.metadata["port"] == .int(Int64(ports[0])) }.count == 5)
        #expect(got.filter { $0.metadata["port"] == .int(Int64(ports[1])) }.count == 5, "the late sender's frames were cut off")
        #expect(graph.logs.contains("not heard from port \(ports[1]) yet"), "\(graph.logs.all)")
        #expect(graph.extra("rx", "terminates") == 2)
    }

    /// Fan-out: the sender binds, several receivers connect, all get the stream.
    @Test func bindingSenderFansOutToConnectingReceivers() async throws {
        let keys = try makeKeys()
        let port = uniquePort()
        let keyA = uniqueKey("fanA"), keyB = uniqueKey("fanB"), keyC = uniqueKey("fanC")
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 64, height: 48, framerate: 100}
              jpeg: {kind: jpeg.encode, input: cam}
              tx: {kind: netgear.send, input: jpeg, pattern: 2, secure_mode: ironhouse, custom_cert_location: \(keys), bind: "tcp://127.0.0.1:\(port)"}
              a: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(keys), connect: "tcp://127.0.0.1:\(port)"}
              b: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(keys), connect: "tcp://127.0.0.1:\(port)"}
              c: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(keys), connect: "tcp://127.0.0.1:\(port)"}
              sa: {kind: test.collect, input: a, key: \(keyA)}
              sb: {kind: test.collect, input: b, key: \(keyB)}
              sc: {kind: test.collect, input: c, key: \(keyC), accept: raw}
            """)
        let ok = await eventually(timeout: 30) { [keyA, keyB, keyC].allSatisfy { collected($0).count >= 30 } }
        await graph.stop()
        #expect(ok, "\([keyA, keyB, keyC].map { collected($0).count })")
        #expect(collected(keyA).allSatisfy { $0.format == .jpeg })
        // A consumer that needs pixels gets the JPEG decoded on its edge.
        #expect(collected(keyC).allSatisfy { $0.format == .bgr && $0.byteCount == 64 * 48 * 3 })
        #expect(graph.counters("tx")?.extra("auth_accepted") == 3)
    }
}
