import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// `GET /api/v1/nodes/{name}/peers`: a NetGear node's connected peers, by key fingerprint and
/// name, with their counts, joining and leaving on the events stream.
@Suite("Control plane peers")
struct PeersTests {
    @Test func aSendersPeersAreItsClientsByKeyAndARevokedOneLeaves() async throws {
        let ih = try IronHouseKeys("cp-peers", clients: ["alice", "bob"])
        let (server, bundles) = (ih.server, ih.bundles)
        let serverKey = try ih.store.serverKeyPair().publicKey
        let port = freePort()
        let s = try await LiveServer.start("""
            nodes:
              cam: {kind: frame.generate, width: 32, height: 24, framerate: 50}
              tx: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, custom_cert_location: \(server), bind: "tcp://127.0.0.1:\(port)"}
              rx-alice: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(bundles["alice"]!), connect: "tcp://127.0.0.1:\(port)"}
              rx-bob: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(bundles["bob"]!), connect: "tcp://127.0.0.1:\(port)"}
              sink-alice: {kind: frame.discard, input: rx-alice}
              sink-bob: {kind: frame.discard, input: rx-bob}
            """)
        // Every event from the start, kept here (the service keeps only the newest few).
        let seen = Locked<[GraphEvent]>([])
        let events = s.service.graphEvents.subscribe(history: GraphEvents.recentLimit)
        let collector = Task { for await event in events { seen.withLock { $0.append(event) } } }
        func peers(_ node: String) -> [PeerSnapshot] { s.service.snapshot().node(node)?.peers ?? [] }
        #expect(await eventually { peers("tx").count == 2 && peers("tx").allSatisfy { $0.framesSent >= 5 } },
                "the sender's peers: \(peers("tx"))")

        // The API, as the OpenAPI file describes it: each client by its key and name.
        let r = try await s.get("/api/v1/nodes/tx/peers")
        #expect(r.status == 200, "\(r.text)")
        try OpenAPI.load().check(r, path: "/api/v1/nodes/{name}/peers", method: "get")
        #expect(r.object["node"] as? String == "tx")
        #expect(r.object["kind"] as? String == "netgear.send")
        let listed = try #require(r.object["peers"] as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["name"] as? String }) == ["alice", "bob"])
        for peer in listed {
            let name = try #require(peer["name"] as? String)
            #expect(peer["fingerprint"] as? String == ih.fingerprint(name))
            #expect((peer["address"] as? String)?.hasPrefix("tcp://127.0.0.1:") == true, "\(peer)")
            #expect(peer["address"] as? String != "tcp://127.0.0.1:\(port)", "a client's address, not the sender's own")
            #expect((peer["frames_sent"] as? Int ?? 0) >= 5)
            #expect((peer["bytes_sent"] as? Int ?? 0) > 0)
            #expect(peer["connected_since"] is String)
        }
        // A connecting node's peer is the server, by the key it expects.
        let rx = peers("rx-alice")
        #expect(rx.count == 1)
        #expect(rx.first?.fingerprint == serverKey.fingerprint)
        #expect(rx.first?.address == "tcp://127.0.0.1:\(port)")
        #expect(await eventually { (peers("rx-alice").first?.framesSent ?? 0) >= 5 }, "\(peers("rx-alice"))")
        // No secret in what the API shows.
        #expect(!r.text.contains(ih.pairs["alice"]!.publicKey.z85))

        // Revoking alice cuts every session (libzmq cannot close one); bob comes back, alice
        // does not.
        let revoke = try await s.request("/api/v1/keys/revoke", method: .POST, token: s.admin, body: Data(#"{"name": "alice"}"#.utf8))
        #expect(revoke.status == 200, "\(revoke.text)")
        #expect(await eventually { s.service.snapshot().node("tx")?.counters["revocations"] == 1 })
        #expect(await eventually { peers("tx").map(\.name) == ["bob"] && (s.service.snapshot().node("tx")?.counters["auth_denied"] ?? 0) >= 2 },
                "after the revocation: \(peers("tx"))")

        // Each join and leave was an event, by fingerprint.
        #expect(await eventually { seen.value.contains { $0.kind == .peerLeft && $0.node == "tx" && $0.peer?.name == "alice" } },
                "\(seen.value.map { "\($0.kind) \($0.node ?? "")" })")
        let joined = seen.value.filter { $0.kind == .peerJoined && $0.node == "tx" }.compactMap(\.peer?.name)
        #expect(Set(joined) == ["alice", "bob"])
        #expect(seen.value.contains { $0.kind == .peerLeft && $0.node == "tx" && $0.peer?.fingerprint == ih.fingerprint("alice") })
        collector.cancel()
        #expect(await s.stop())
    }
}
