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
    func senderToReceiver(_ c: Combo) throws {
        let keys = c.secure > 0 ? try makeKeys() : nil
        let port = freePort()
        let key = uniqueKey("loop")
        let frames = 30
        let graph = try TestGraph("""
            nodes:
              cam: {kind: frame.generate, width: 64, height: 48, framerate: 200, count: \(frames), pattern: static}
              tx:
                kind: netgear.send
                input: {node: cam, queue: {size: 64, policy: block}}
                address: 127.0.0.1
                port: \(port)
                pattern: \(c.pattern)
                jpeg_compression: \(c.jpeg)
                \(secureOptions(c.secure, keys: keys))
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: \(c.pattern)
                \(secureOptions(c.secure, keys: keys))
              sink: {kind: test.collect, input: rx, key: \(key)}
            """, registry: registry)
        // The sender's terminate ends the receiver, so the graph ends by itself.
        let ended = graph.runtime.wait(timeout: 15)
        if !ended { graph.stop() }
        #expect(ended, "graph did not end by itself after the sender's terminate")
        #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
        let got = collected(key)
        if c.pattern < 2 {
            #expect(got.count == frames, "lock-step patterns lose nothing")
            #expect(got.map(\.sequence) == Array(0..<UInt64(frames)))
        } else {
            // PUB/SUB drops what is published before the subscription arrives (slow joiner).
            #expect(got.count >= frames / 3, "got \(got.count)")
        }
        for f in got {
            #expect(f.width == 64 && f.height == 48)
            #expect(f.format == (c.jpeg ? .jpeg : .bgr))
            if !c.jpeg { #expect(f.byteCount == 64 * 48 * 3) }
            #expect(f.timestamp > 1_700_000_000_000_000_000, "capture time travels with the frame")
        }
        #expect(graph.counters("rx")?.dropped.load(ordering: .relaxed) == 0)
    }

    /// Fan-out: the sender binds, several receivers connect, all get the stream.
    @Test func bindingSenderFansOutToConnectingReceivers() throws {
        let keys = try makeKeys()
        let port = freePort()
        let keyA = uniqueKey("fanA"), keyB = uniqueKey("fanB"), keyC = uniqueKey("fanC")
        let graph = try TestGraph("""
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
            """, registry: registry)
        let ok = TestGraph.waitUntil(timeout: 10) { [keyA, keyB, keyC].allSatisfy { collected($0).count >= 30 } }
        graph.stop()
        #expect(ok, "\([keyA, keyB, keyC].map { collected($0).count })")
        #expect(collected(keyA).allSatisfy { $0.format == .jpeg })
        // A consumer that needs pixels gets the JPEG decoded on its edge.
        #expect(collected(keyC).allSatisfy { $0.format == .bgr && $0.byteCount == 64 * 48 * 3 })
        #expect(graph.counters("tx")?.extra("auth_accepted") == 3)
    }
}
