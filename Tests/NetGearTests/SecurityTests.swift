import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// CurveZMQ as the nodes use it: who gets in, who does not, what is logged and counted, and
/// how a refused client gets in later without a restart.
@Suite("NetGear security")
struct SecurityTests {
    /// A fan-out sender (IronHouse, binding) and a receiver connecting with a key folder whose
    /// client key the server does not list: nothing arrives and the refusal names the key by its
    /// fingerprint on both ends. Allowing the key later (what `media-router keys add-client`
    /// does) lets the receiver in by itself, without a restart; revoking it cuts it off again
    /// and it keeps being refused, with the refusals logged at a bounded rate.
    @Test func unknownClientIsRefusedThenAdmittedThenRevoked() async throws {
        let server = try makeKeys("ih-server")
        let store = try VidgearKeyStore(customCertLocation: server)
        let pair = try CurveKeyPair.generate()
        let bundle = TestPaths.temporaryDirectory("ng-ih-client")
        _ = try store.exportClientBundle(name: "late", keyPair: pair, to: bundle)
        let fingerprint = pair.publicKey.fingerprint
        let port = uniquePort()
        let key = uniqueKey("ih")
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 50}
              tx: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, custom_cert_location: \(server), bind: "tcp://127.0.0.1:\(port)"}
              rx: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(bundle), connect: "tcp://127.0.0.1:\(port)"}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        // Refused: nothing arrives, both ends say so, by the client key's fingerprint.
        // A second refusal (the receiver's retry, 1 s later) and still nothing.
        #expect(await eventually(timeout: 30) { graph.extra("rx", "auth_refused") >= 2 && graph.extra("tx", "auth_denied") >= 2 })
        #expect(collected(key).isEmpty)
        #expect(graph.logs.contains("refused client \(fingerprint) at 127.0.0.1"), "\(graph.logs.all)")
        #expect(graph.logs.contains("refused this node's key \(fingerprint)"), "\(graph.logs.all)")
        #expect(graph.extra("tx", "auth_accepted") == 0)

        // Allowed later: the receiver retries by itself and gets in (its next retry comes at most
        // 1, 2 or 4 s after the last refusal).
        try store.addClient(name: "late", publicKey: pair.publicKey)
        #expect(await eventually(timeout: 30) { collected(key).count >= 5 }, "the refused receiver did not get in after its key was allowed")
        #expect(graph.extra("rx", "auth_retries") >= 1)
        #expect(graph.extra("rx", "restarts") == 0)
        #expect(graph.logs.contains("client \(fingerprint) at 127.0.0.1 authenticated"))
        #expect(graph.runtime.failures.isEmpty)

        // Revoked: the sender cuts the session and every new handshake is refused. Once the
        // client has been refused again its old session is gone: no frame made after that
        // arrives, also after its next retry (1 s later).
        let deniedBefore = graph.extra("tx", "auth_denied")
        try store.revokeClient(name: "late")
        #expect(await eventually(timeout: 30) { graph.extra("tx", "auth_denied") > deniedBefore }, "the revoked client was not refused")
        let cutoff = UInt64(graph.counters("cam")?.framesOut.load(ordering: .relaxed) ?? 0)
        #expect(await eventually(timeout: 30) { graph.extra("tx", "auth_denied") >= deniedBefore + 2 })
        let late = collected(key).filter { $0.sequence >= cutoff }.map(\.sequence)
        #expect(late.isEmpty, "a revoked client still receives frames: \(late)")
        #expect(graph.extra("tx", "revocations") == 1)
        // Each refusal is counted; the log names the key at most once every few seconds.
        let refusalLines = graph.logs.count(containing: "refused client \(fingerprint)")
        #expect(refusalLines < graph.extra("tx", "auth_denied"), "\(refusalLines) log lines for \(graph.extra("tx", "auth_denied")) refusals")
        await graph.stop()
        #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
    }

    /// The same for a sender that connects (vidgear's default roles): while its key is refused
    /// it drops frames instead of waiting out reply timeouts and failing, and once its key is
    /// allowed it gets in by itself.
    @Test(arguments: [0, 1, 2])
    func refusedSenderGetsInOnceAllowed(_ pattern: Int) async throws {
        let server = try makeKeys("ih-rx")
        let store = try VidgearKeyStore(customCertLocation: server)
        let pair = try CurveKeyPair.generate()
        let bundle = TestPaths.temporaryDirectory("ng-ih-tx")
        _ = try store.exportClientBundle(name: "cam7", keyPair: pair, to: bundle)
        let port = uniquePort()
        let key = uniqueKey("ih-tx")
        let graph = try LoggedGraph("""
            nodes:
              rx: {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: \(pattern), secure_mode: 2, custom_cert_location: \(server)}
              sink: {kind: test.collect, input: rx, key: \(key)}
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 50}
              tx: {kind: netgear.send, input: cam, address: 127.0.0.1, port: \(port), pattern: \(pattern), secure_mode: 2, custom_cert_location: \(bundle)}
            """)
        #expect(await eventually(timeout: 30) { graph.extra("tx", "auth_refused") >= 1 })
        #expect(await eventually(timeout: 30) { graph.extra("tx", "not_authorized") >= 3 }, "a refused sender drops frames")
        #expect(collected(key).isEmpty)
        #expect(graph.extra("rx", "auth_denied") >= 1)
        #expect(graph.extra("tx", "reply_timeouts") == 0, "a refused sender must not wait out reply timeouts")
        try store.addClient(name: "cam7", publicKey: pair.publicKey)
        // The next retry comes at most 1, 2 or 4 s after the last refusal.
        #expect(await eventually(timeout: 30) { collected(key).count >= 5 }, "\(graph.logs.all.suffix(10))")
        #expect(graph.extra("tx", "restarts") == 0)
        await graph.stop()
        #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
    }

    /// A client already knocking when the receiver starts gets in at once: the receiver's ZAP
    /// policy is in place before it binds (a refusal would be final), and its monitor is
    /// listening before the first handshake (which would otherwise go uncounted).
    @Test(arguments: [0, 1, 2])
    func clientKnockingBeforeTheReceiverStartsGetsIn(_ pattern: Int) async throws {
        let keys = try makeKeys("early")
        let port = uniquePort()
        let key = uniqueKey("early")
        let sender = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 50}
              tx: {kind: netgear.send, input: cam, address: 127.0.0.1, port: \(port), pattern: \(pattern), secure_mode: 2, custom_cert_location: \(keys)}
            """)
        // The sender is up and knocking (its frames go nowhere) before the receiver starts.
        #expect(await eventually(timeout: 30) { (sender.counters("tx")?.framesIn.load(ordering: .relaxed) ?? 0) >= 5 })
        let receiver = try LoggedGraph("""
            nodes:
              rx: {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: \(pattern), secure_mode: 2, custom_cert_location: \(keys)}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        #expect(await eventually(timeout: 30) { collected(key).count >= 5 }, "\(sender.logs.all.suffix(5)) \(receiver.logs.all.suffix(5))")
        #expect(receiver.extra("rx", "auth_denied") == 0)
        #expect(receiver.extra("rx", "handshakes") >= 1 && sender.extra("tx", "handshakes") >= 1, "every handshake is seen")
        await sender.stop()
        await receiver.stop()
    }

    /// A client that holds the wrong server key never completes a handshake (it is not even a
    /// ZAP question: the server cannot read its hello), whatever its own key.
    @Test func wrongServerKeyNeverConnects() async throws {
        let server = try makeKeys("wsk-server")
        let other = try makeKeys("wsk-other")
        // The client's own key is allowed; only the server key it holds is wrong.
        let otherStore = try VidgearKeyStore(customCertLocation: other)
        try VidgearKeyStore(customCertLocation: server).addClient(name: "other", publicKey: try otherStore.clientKeyPair().publicKey)
        let port = uniquePort()
        let key = uniqueKey("wsk")
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 50}
              tx: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, custom_cert_location: \(server), bind: "tcp://127.0.0.1:\(port)"}
              rx: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(other), connect: "tcp://127.0.0.1:\(port)"}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        // Two failed handshakes on each end (the client retries): nothing got through.
        #expect(await eventually(timeout: 30) { graph.extra("rx", "handshake_failures") >= 2 && graph.extra("tx", "handshake_failures") >= 2 })
        #expect(collected(key).isEmpty)
        #expect(graph.extra("tx", "auth_accepted") == 0)
        #expect(graph.extra("tx", "handshakes") == 0)
        #expect(graph.logs.contains("the server key is wrong"), "\(graph.logs.all)")
        await graph.stop()
    }

    /// Plaintext and CURVE do not mix, in either direction and whoever binds.
    @Test(arguments: [(sender: 0, receiver: 2), (sender: 2, receiver: 0), (sender: 0, receiver: 1)])
    func plaintextAndSecureDoNotTalk(_ modes: (sender: Int, receiver: Int)) async throws {
        let keys = try makeKeys("plain")
        let port = uniquePort()
        let key = uniqueKey("plain")
        let graph = try LoggedGraph("""
            nodes:
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: 2
                \(secureOptions(modes.receiver, keys: keys))
              sink: {kind: test.collect, input: rx, key: \(key)}
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 50}
              tx:
                kind: netgear.send
                input: cam
                address: 127.0.0.1
                port: \(port)
                pattern: 2
                \(secureOptions(modes.sender, keys: keys))
            """)
        // The handshake failed (libzmq does not retry a mechanism mismatch): nothing got through,
        // and no handshake ever succeeded.
        #expect(await eventually(timeout: 30) { graph.extra("rx", "handshake_failures") >= 1 || graph.extra("tx", "handshake_failures") >= 1 })
        #expect(collected(key).isEmpty)
        #expect(graph.extra("rx", "handshakes") == 0 && graph.extra("tx", "handshakes") == 0)
        #expect(graph.extra("rx", "auth_accepted") == 0)
        await graph.stop()
    }

    /// A plaintext vidgear sender cannot reach a secure receiver either.
    @Test(.enabled(if: hasVidgear, Comment(rawValue: vidgearMissing)))
    func plaintextVidgearSenderCannotReachSecureReceiver() async throws {
        let keys = try makeKeys("plain-v")
        let port = uniquePort()
        let key = uniqueKey("plain-v")
        let graph = try LoggedGraph("""
            nodes:
              rx: {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: 2, secure_mode: 2, custom_cert_location: \(keys)}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """)
        let peer = try await VidgearPeer(["send", "--port", "\(port)", "--pattern", "2", "--frames", "100000", "--fps", "30"])
        #expect(await eventually(timeout: 30) { graph.extra("rx", "handshake_failures") >= 1 }, "\(peer.transcript)")
        #expect(await peer.stop()?["sent"]?.int ?? 0 > 0, "\(peer.transcript)")
        await graph.stop()
        #expect(collected(key).isEmpty)
        #expect(graph.extra("rx", "handshake_failures") >= 1)
        #expect(graph.extra("rx", "auth_accepted") == 0)
    }
}
