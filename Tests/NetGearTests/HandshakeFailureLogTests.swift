import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// A binding node whose peers fail the handshake before ZAP is asked (a wrong server key, no
/// CURVE, CURVE against plaintext) warns, at most every few seconds per cause, naming the
/// peer's address (not its own endpoint) and the likely cause.
@Suite("NetGear handshake failures on the binding side")
struct HandshakeFailureLogTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var receiverSecure: Int
        /// The peer's keys: "same", "other" (a different server key) or "none" (no CURVE).
        var peerKeys: String
        var source: String
        var cause: String
        var testDescription: String { "receiver secure \(receiverSecure), peer keys \(peerKeys)" }
    }

    static let cases: [Case] = [
        Case(receiverSecure: 2, peerKeys: "other", source: "127.0.0.2", cause: "has a different server key"),
        Case(receiverSecure: 1, peerKeys: "none", source: "127.0.0.3", cause: "does not use CURVE"),
        Case(receiverSecure: 0, peerKeys: "same", source: "127.0.0.4", cause: "uses CURVE"),
    ]

    @Test(arguments: cases)
    func refusedHandshakeNamesThePeer(_ c: Case) async throws {
        let keys = try makeKeys("hs-server")
        let other = try makeKeys("hs-other")
        let port = uniquePort()
        let graph = try LoggedGraph("""
            nodes:
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: 1
                \(secureOptions(c.receiverSecure, keys: keys))
              sink: {kind: frame.discard, input: rx}
            """, level: .info)
        let peerKeys: String? = c.peerKeys == "same" ? keys : c.peerKeys == "other" ? other : nil
        // From a source address of its own, so that the address in the log can only be the peer's.
        let endpoint = "tcp://\(c.source):0;127.0.0.1:\(port)"
        var peers = [try RawPeer(pattern: 1, endpoint: endpoint, keys: peerKeys)]
        let warnings = { graph.logs.all.filter { $0.hasPrefix("warning [rx]") && $0.contains("handshake") } }
        let named = { warnings().contains { $0.contains("tcp://\(c.source):") } }
        // A client whose hello the server cannot read retries many times a second. One that sees
        // the mechanisms differ gives up for good; and when it hangs up first, the connection
        // may be closed before its address is read (then the cause is logged without it): more
        // such peers come until one is named.
        let repeats = c.peerKeys == "other"
        let deadline = Date().addingTimeInterval(30)
        let enough = { named() && graph.extra("rx", "handshake_failures") >= (repeats ? 10 : 1) }
        while !enough() && Date() < deadline {
            if !repeats && peers.count < 100 { peers.append(try RawPeer(pattern: 1, endpoint: endpoint, keys: peerKeys)) }
            try? await Task.sleep(nanoseconds: 200_000_000)
        }
        #expect(enough(),
                "failures \(graph.extra("rx", "handshake_failures")): \(graph.logs.all)")
        let lines = warnings()
        #expect(lines.contains { $0.contains("tcp://\(c.source):") && $0.contains(c.cause) }, "\(graph.logs.all)")
        #expect(!lines.contains { $0.contains(":\(port)") }, "names the peer, not this node's own endpoint: \(lines)")
        #expect(lines.count <= (repeats ? 2 : 7), "throttled: \(lines.count) warnings for \(graph.extra("rx", "handshake_failures")) failures")
        withExtendedLifetime(peers) {}
        await graph.stop()
    }
}
