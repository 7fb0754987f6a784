import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// `overwrite_cert: true` makes new keys once per process and key folder: when the node first
/// opens its socket, not again when it reconnects or restarts, and not again for another node
/// of the process using the same folder. Otherwise every reconnect would lock out the peers
/// that were handed the keys.
@Suite("NetGear overwrite_cert")
struct OverwriteCertTests {
    static let madeKeys = "overwrite_cert: made new CurveZMQ keys"

    /// The bytes of the four key files and the fingerprints of the two pairs.
    struct KeyFiles: Equatable, CustomStringConvertible {
        var contents: [String: Data]
        var server: String
        var client: String

        init(_ dir: String) throws {
            let store = try VidgearKeyStore(customCertLocation: dir)
            var contents: [String: Data] = [:]
            for path in [store.secretKeyPath("server"), store.secretKeyPath("client"), store.publicKeyPath("server"), store.publicKeyPath("client")] {
                contents[path] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
            self.contents = contents
            server = try store.serverKeyPair().publicKey.fingerprint
            client = try store.clientKeyPair().publicKey.fingerprint
        }

        var description: String { "server \(server), client \(client)" }
    }

    static func keysExist(_ dir: String) -> Bool { (try? KeyFiles(dir)) != nil }

    /// A binding sender (the CURVE server) with overwrite_cert, and a client holding a copy of
    /// the keys made at start, as the user copied them: the sender times out waiting for a reply
    /// and reconnects, and the client gets back in because the keys stayed the same.
    @Test func bindingSenderKeepsItsNewKeysAcrossReconnects() async throws {
        let dir = TestPaths.temporaryDirectory("ng-ow-bind")
        let port = uniquePort()
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 20}
              tx: {kind: netgear.send, input: cam, pattern: 0, secure_mode: 1, overwrite_cert: true, custom_cert_location: \(dir),
                   bind: "tcp://127.0.0.1:\(port)", request_timeout: 4, max_retries: 0}
            """)
        #expect(await eventually(timeout: 30) { graph.logs.contains("bound tcp://127.0.0.1:\(port)") }, "\(graph.logs.all)")
        let atStart = try KeyFiles(dir)
        // The client never replies, so the sender reconnects after request_timeout.
        let peer = try RawPeer(pattern: 0, endpoint: "tcp://127.0.0.1:\(port)", keys: dir)
        let reconnected = await eventually(timeout: 30) {
            graph.extra("tx", "reconnects") >= 1 && graph.extra("tx", "handshakes") >= 2
        }
        #expect(reconnected, "the client holding the keys made at start did not get back in after the reconnect: \(graph.counters("tx")?.extraCounters ?? [:])")
        let now = try KeyFiles(dir)
        #expect(now == atStart, "the keys changed: \(atStart) at start, \(now) now")
        #expect(graph.logs.count(containing: "made new CurveZMQ keys") == 1, "\(graph.logs.all)")
        let line = graph.logs.all.first { $0.contains(Self.madeKeys) } ?? ""
        #expect(line.hasPrefix("info "), "\(line)")
        #expect(line.contains("server \(atStart.server)") && line.contains("client \(atStart.client)"), "\(line)")
        Self.expectNoKeysLogged(graph, dir: dir)
        await graph.stop()
        withExtendedLifetime(peer) {}
    }

    /// A connecting sender (vidgear's default roles: the CURVE client) with overwrite_cert: the
    /// keys are made, and logged, once; its reconnects after reply timeouts keep them.
    @Test func connectingSenderMakesKeysOnceAndLogsThem() async throws {
        let dir = TestPaths.temporaryDirectory("ng-ow-connect")
        let port = uniquePort()  // nobody listens: every request times out
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 20}
              tx: {kind: netgear.send, input: cam, pattern: 1, secure_mode: 2, overwrite_cert: true, custom_cert_location: \(dir),
                   address: 127.0.0.1, port: \(port), request_timeout: 4, max_retries: 0}
            """)
        #expect(await eventually(timeout: 30) { Self.keysExist(dir) && graph.logs.contains("connecting to") }, "\(graph.logs.all)")
        let atStart = try KeyFiles(dir)
        // The first frame waits out its reply; then the socket is replaced and the next frame
        // goes out on the new one.
        let tx = try #require(graph.counters("tx"))
        #expect(await eventually(timeout: 30) { graph.extra("tx", "reconnects") >= 1 && tx.framesOut.load(ordering: .relaxed) >= 2 },
                "\(tx.extraCounters)")
        let now = try KeyFiles(dir)
        #expect(now == atStart, "the keys changed: \(atStart) at start, \(now) now")
        #expect(graph.logs.count(containing: Self.madeKeys) == 1, "\(graph.logs.all)")
        let line = graph.logs.all.first { $0.contains(Self.madeKeys) } ?? ""
        #expect(line.hasPrefix("info "), "\(line)")
        #expect(line.contains("server \(atStart.server)") && line.contains("client \(atStart.client)"), "\(line)")
        Self.expectNoKeysLogged(graph, dir: dir)
        await graph.stop()
    }

    /// Two senders of one process sharing a key folder make the keys once between them (the
    /// second does not replace the first one's fresh keys), and a node started again in the same
    /// process (a restart, or the next graph) keeps them too.
    @Test func nodesSharingAFolderAndRestartsKeepTheKeys() async throws {
        let dir = TestPaths.temporaryDirectory("ng-ow-shared")
        let (p1, p2, p3) = (uniquePort(), uniquePort(), uniquePort())
        let graph = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 20}
              a: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, overwrite_cert: true, custom_cert_location: \(dir), bind: "tcp://127.0.0.1:\(p1)"}
              b: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, overwrite_cert: true, custom_cert_location: \(dir)/, bind: "tcp://127.0.0.1:\(p2)"}
            """)
        #expect(await eventually(timeout: 30) { graph.logs.contains("bound tcp://127.0.0.1:\(p1)") && graph.logs.contains("bound tcp://127.0.0.1:\(p2)") },
                "\(graph.logs.all)")
        let made = try KeyFiles(dir)
        #expect(graph.logs.count(containing: "made new CurveZMQ keys") == 1, "\(graph.logs.all)")
        // Both serve with the key that is in the files now.
        #expect(graph.logs.count(containing: "CURVE server, key \(made.server)") == 2, "\(made): \(graph.logs.all)")
        await graph.stop()

        let again = try LoggedGraph("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 20}
              a: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, overwrite_cert: true, custom_cert_location: \(dir), bind: "tcp://127.0.0.1:\(p3)"}
            """)
        #expect(await eventually(timeout: 30) { again.logs.contains("bound tcp://127.0.0.1:\(p3)") }, "\(again.logs.all)")
        #expect(try KeyFiles(dir) == made, "a node started again in the same process replaced the keys")
        #expect(!again.logs.contains("made new CurveZMQ keys"), "\(again.logs.all)")
        #expect(again.logs.contains("CURVE server, key \(made.server)"), "\(again.logs.all)")
        await again.stop()
    }

    /// Fingerprints only: no Z85 key text in any log line.
    static func expectNoKeysLogged(_ graph: LoggedGraph, dir: String) {
        guard let store = try? VidgearKeyStore(customCertLocation: dir),
              let server = try? store.serverKeyPair(), let client = try? store.clientKeyPair() else { return }
        for key in [server.publicKey.z85, client.publicKey.z85] {
            #expect(!graph.logs.all.contains { $0.contains(key) }, "a key reached the log")
        }
    }
}
