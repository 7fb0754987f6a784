import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// `POST /api/v1/keys/revoke` as `media-router keys revoke` does it: the key leaves the
/// allow-list and the running IronHouse sender cuts the client's session.
@Suite("Control plane key revocation")
struct RevokeTests {
    @Test func revokingByNameCutsAConnectedPeerAndByFingerprintRemovesAKey() async throws {
        let ih = try IronHouseKeys("cp-ih", clients: ["viewer", "other"])
        let (server, store, bundle) = (ih.server, ih.store, ih.bundles["viewer"]!)
        let (viewer, other) = (ih.pairs["viewer"]!, ih.pairs["other"]!)
        let port = freePort()
        let s = try await LiveServer.start("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 50}
              tx: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, custom_cert_location: \(server), bind: "tcp://127.0.0.1:\(port)"}
              rx: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(bundle), connect: "tcp://127.0.0.1:\(port)"}
              sink: {kind: frame.discard, input: rx}
            """)
        func counter(_ node: String, _ name: String) -> Int { s.service.snapshot().node(node)?.counters[name] ?? 0 }
        #expect(await eventually { counter("sink", "frames_in") >= 5 }, "the allowed viewer receives nothing")

        // By fingerprint: the other client's key file goes.
        var r = try await s.request("/api/v1/keys/revoke", method: .POST, token: s.admin,
                                    body: Data(#"{"fingerprint": "\#(other.publicKey.fingerprint.uppercased())"}"#.utf8))
        #expect(r.status == 200, "\(r.text)")
        try OpenAPI.load().check(r, path: "/api/v1/keys/revoke", method: "post")
        #expect(!FileManager.default.fileExists(atPath: store.publicKeyPath("other")))
        r = try await s.request("/api/v1/keys/revoke", method: .POST, token: s.admin, body: Data(#"{"name": "other"}"#.utf8))
        #expect(r.status == 404, "\(r.text)")
        r = try await s.request("/api/v1/keys/revoke", method: .POST, token: s.admin, body: Data(#"{"name": "client"}"#.utf8))
        #expect(r.status == 409, "vidgear's own client key needs force: \(r.text)")

        // By name: the connected viewer is cut off and refused from then on.
        let deniedBefore = counter("tx", "auth_denied")
        r = try await s.request("/api/v1/keys/revoke", method: .POST, token: s.admin, body: Data(#"{"name": "viewer"}"#.utf8))
        #expect(r.status == 200, "\(r.text)")
        let revoked = try #require((r.object["revoked"] as? [[String: Any]])?.first)
        #expect(revoked["name"] as? String == "viewer")
        #expect(revoked["fingerprint"] as? String == viewer.publicKey.fingerprint)
        #expect(!FileManager.default.fileExists(atPath: store.publicKeyPath("viewer")))
        #expect(await eventually { counter("tx", "revocations") == 1 }, "the sender did not cut the session")
        #expect(await eventually { counter("tx", "auth_denied") >= deniedBefore + 2 }, "the revoked viewer was not refused")
        let received = counter("sink", "frames_in")
        #expect(await eventually { counter("tx", "auth_denied") >= deniedBefore + 3 })
        #expect(counter("sink", "frames_in") == received, "a revoked viewer still receives frames")
        // The revocation is in the log, by fingerprint only.
        #expect(s.logs.all.contains { $0.contains("revoked client viewer (\(viewer.publicKey.fingerprint))") })
        #expect(!s.logs.all.contains { $0.contains(viewer.publicKey.z85) })
        #expect(await s.stop())
    }
}
