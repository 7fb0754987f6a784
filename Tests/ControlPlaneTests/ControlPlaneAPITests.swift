import AsyncHTTPClient
@testable import ControlPlane
import Foundation
import MediaRouter
import NIOCore
import NIOHTTP1
import Testing
import TestSupport

/// Every endpoint on a live loopback server over a real graph.
@Suite("Control plane API")
struct ControlPlaneAPITests {
    static let graph = """
        name: api-test
        nodes:
          cam:
            kind: frame.generate
            width: 320
            height: 240
            framerate: 30
          out:
            kind: frame.discard
            input: cam
        """

    @Test func authenticationAndRoles() async throws {
        let s = try await LiveServer.start(Self.graph)
        // No token, a wrong one, a malformed header: 401 with a JSON error and a challenge.
        var r = try await s.request("/api/v1/graph", token: nil)
        #expect(r.status == 401)
        #expect(r.headers["WWW-Authenticate"].first?.hasPrefix("Bearer") == true)
        #expect((r.object["error"] as? String)?.contains("token is required") == true, "\(r.text)")
        r = try await s.request("/api/v1/graph", token: "0123456789abcdef0123456789abcdef")
        #expect(r.status == 401)
        r = try await s.request("/api/v1/graph", token: nil, headers: [("Authorization", "Basic eDp5")])
        #expect(r.status == 401)
        r = try await s.request("/metrics", token: nil)
        #expect(r.status == 401)
        r = try await s.request("/api/v1/nodes/cam/preview.mjpg", token: nil)
        #expect(r.status == 401)
        // A read token reads; on admin routes it is 403, and nothing changes.
        r = try await s.get("/api/v1/graph")
        #expect(r.status == 200)
        r = try await s.request("/api/v1/reload", method: .POST, token: s.read)
        #expect(r.status == 403)
        #expect((r.object["error"] as? String)?.contains("admin") == true)
        r = try await s.request("/api/v1/keys/revoke", method: .POST, token: s.read, body: Data(#"{"name":"x"}"#.utf8))
        #expect(r.status == 403)
        #expect(s.service.reloads.history.isEmpty)
        // The token in the query works; on the dashboard it becomes a cookie and leaves the address.
        r = try await s.request("/api/v1/graph?token=\(s.read)", token: nil)
        #expect(r.status == 200)
        r = try await s.request("/?token=\(s.read)", token: nil)
        #expect(r.status == 303)
        #expect(r.headers["Location"].first == "/")
        let cookie = try #require(r.headers["Set-Cookie"].first)
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let pair = String(cookie.split(separator: ";")[0])
        r = try await s.request("/", token: nil, headers: [("Cookie", pair)])
        #expect(r.status == 200)
        #expect(r.text.contains("<title>media-router</title>"))
        #expect(r.headers["Content-Security-Policy"].first?.contains("default-src 'self'") == true)
        // The cookie cannot be used by another site to change anything.
        r = try await s.request("/api/v1/reload", method: .POST, token: nil, headers: [("Cookie", pair), ("Origin", "http://evil.example")])
        #expect(r.status == 403)
        // The page's files.
        r = try await s.request("/dashboard.js", token: nil, headers: [("Cookie", pair)])
        #expect(r.status == 200 && r.headers["Content-Type"].first?.hasPrefix("text/javascript") == true)
        r = try await s.request("/dashboard.css", token: nil, headers: [("Cookie", pair)])
        #expect(r.status == 200)
        // Tokens never reach the log, apart from the read token in the one dashboard line of the first start.
        let logs = s.logs.all
        #expect(!logs.contains { $0.contains(s.admin) }, "\(logs)")
        #expect(logs.filter { $0.contains(s.read) }.count == 1, "\(logs)")
        #expect(logs.contains { $0.contains("dashboard: http://127.0.0.1:\(s.port)/?token=\(s.read)") })
        #expect(await s.stop())
    }

    @Test func graphNodesPeersAndErrorsMatchTheOpenAPIFile() async throws {
        let s = try await LiveServer.start(Self.graph)
        let api = try OpenAPI.load()
        #expect(await eventually { s.service.snapshot().node("out")?.counters["frames_in"] ?? 0 > 0 })
        var r = try await s.get("/api/v1/graph")
        #expect(r.status == 200)
        try api.check(r, path: "/api/v1/graph", method: "get")
        let g = r.object
        #expect(g["graph"] as? String == "api-test")
        let nodes = try #require(g["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["name"] as? String } == ["cam", "out"])
        #expect(nodes[0]["state"] as? String == "running")
        let edges = try #require(g["edges"] as? [[String: Any]])
        #expect(edges.first?["from"] as? String == "cam")

        r = try await s.get("/api/v1/nodes/cam")
        try api.check(r, path: "/api/v1/nodes/{name}", method: "get")
        #expect(r.object["kind"] as? String == "frame.generate")
        #expect((r.object["options"] as? [String: Any])?["width"] as? Int == 320)

        r = try await s.get("/api/v1/nodes/ca")
        #expect(r.status == 404)
        try api.check(r, path: "/api/v1/nodes/{name}", method: "get")
        #expect((r.object["error"] as? String)?.contains("did you mean 'cam'") == true, "\(r.text)")

        r = try await s.get("/api/v1/nodes/out/peers")
        #expect(r.status == 200)
        try api.check(r, path: "/api/v1/nodes/{name}/peers", method: "get")

        // Clean 4xx for nonsense.
        for path in ["/api/v1/nodes/cam/preview.mjpg?fps=0", "/api/v1/nodes/cam/preview.mjpg?fps=abc", "/api/v1/nodes/cam/snapshot.jpg?width=5",
                     "/api/v1/events?history=-1"] {
            r = try await s.get(path)
            #expect(r.status == 400, "\(path): \(r.status) \(r.text)")
            #expect(r.object["error"] is String, "\(path)")
        }
        r = try await s.get("/api/v1/nope")
        #expect(r.status == 404)
        #expect(r.object["error"] is String)
        r = try await s.request("/api/v1/reload?dry_run=maybe", method: .POST, token: s.admin)
        #expect(r.status == 400)
        try api.check(r, path: "/api/v1/reload", method: "post")
        r = try await s.request("/api/v1/reload", method: .POST, token: s.admin, body: Data(repeating: 0x41, count: ControlPlane.maxBodySize + 1))
        #expect(r.status == 413, "\(r.status) \(r.text)")
        r = try await s.request("/api/v1/keys/revoke", method: .POST, token: s.admin, body: Data("not json".utf8))
        #expect(r.status == 400)
        try api.check(r, path: "/api/v1/keys/revoke", method: "post")
        #expect(await s.stop())
    }

    @Test func dryRunReturnsThePlanAndChangesNothing() async throws {
        let s = try await LiveServer.start(Self.graph)
        let api = try OpenAPI.load()
        let changed = Self.graph.replacingOccurrences(of: "framerate: 30", with: "framerate: 15") + """

              more:
                kind: frame.discard
                input: cam
            """
        let r = try await s.request("/api/v1/reload?dry_run=true", method: .POST, token: s.admin, body: Data(changed.utf8))
        #expect(r.status == 200, "\(r.text)")
        try api.check(r, path: "/api/v1/reload", method: "post")
        #expect(r.object["outcome"] as? String == "dry_run")
        let steps = try #require((r.object["plan"] as? [String: Any])?["nodes"] as? [[String: Any]])
        let actions = Dictionary(uniqueKeysWithValues: steps.map { ($0["name"] as! String, $0["action"] as! String) })
        #expect(actions == ["cam": "replace", "out": "keep", "more": "add"], "\(steps)")
        #expect(s.service.snapshot().nodes.map(\.name) == ["cam", "out"])
        #expect(s.service.snapshot().node("cam")?.replacements == 0)
        #expect(await s.stop())
    }

    @Test func anInvalidGraphIs422WithEveryLocatedError() async throws {
        let s = try await LiveServer.start(Self.graph)
        let api = try OpenAPI.load()
        let bad = """
            nodes:
              cam:
                kind: frame.generate
                widht: 320
              out:
                kind: frame.discard
                input: camera
            """
        let r = try await s.request("/api/v1/reload", method: .POST, token: s.admin, body: Data(bad.utf8))
        #expect(r.status == 422, "\(r.text)")
        try api.check(r, path: "/api/v1/reload", method: "post")
        let errors = try #require(r.object["errors"] as? [[String: Any]])
        #expect(errors.count >= 2, "\(errors)")
        let located = errors.map { "\($0["line"] as? Int ?? 0):\($0["column"] as? Int ?? 0) \($0["message"] as? String ?? "")" }
        #expect(located.contains { $0.hasPrefix("4:5 ") && $0.contains("widht") }, "\(located)")
        #expect(located.contains { $0.hasPrefix("7:12 ") && $0.contains("camera") }, "\(located)")
        #expect(s.service.snapshot().nodes.map(\.name) == ["cam", "out"])
        #expect(s.service.reloads.failed == 1)
        #expect(await s.stop())
    }

    @Test func reloadsFromTheBodyOrFromDiskAndStreamsTheEvent() async throws {
        let s = try await LiveServer.start(Self.graph)
        // An empty body reads the file from disk again: after an edit that adds 'disk', it runs.
        try (String(contentsOfFile: s.graphFile, encoding: .utf8) + "\n").replacingOccurrences(of: "nodes:\n", with: "nodes:\n  disk:\n    kind: frame.discard\n    input: cam\n")
            .write(toFile: s.graphFile, atomically: true, encoding: .utf8)
        let fromDisk = try await s.request("/api/v1/reload", method: .POST, token: s.admin)
        #expect(fromDisk.status == 200, "\(fromDisk.text)")
        #expect(fromDisk.object["outcome"] as? String == "applied")
        #expect(s.service.snapshot().nodes.map(\.name).contains("disk"))
        // Listen first, then reload: the reload event arrives on the stream.
        var request = HTTPClientRequest(url: s.url("/api/v1/events?stats=false"))
        request.headers.add(name: "Authorization", value: "Bearer \(s.read)")
        let response = try await testClient.execute(request, timeout: .seconds(Int64(eventCeiling)))
        #expect(response.status == .ok)
        #expect(response.headers["Content-Type"].first?.hasPrefix("text/event-stream") == true)
        let added = Self.graph + "\n  extra:\n    kind: frame.discard\n    input: cam\n"
        let reloader = Task {
            // Once the stream has started (its first bytes came), reload.
            try await s.request("/api/v1/reload", method: .POST, token: s.admin, body: Data(added.replacingOccurrences(of: "nodes:\n", with: "nodes:\n  disk:\n    kind: frame.discard\n    input: cam\n").utf8))
        }
        var reader = SSEReader()
        var seen: [SSEReader.Event] = []
        let deadline = ContinuousClock.now + .seconds(eventCeiling)
        for try await chunk in response.body {
            seen += reader.feed(chunk)
            if seen.contains(where: { $0.event == "reload" }) || ContinuousClock.now > deadline { break }
        }
        let reply = try await reloader.value
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.object["outcome"] as? String == "applied")
        let event = try #require(seen.first { $0.event == "reload" }, "\(seen.map(\.event))")
        #expect(event.id != nil)
        #expect(event.data.contains("\"outcome\":\"applied\""))
        #expect(s.service.snapshot().nodes.map(\.name).contains("extra"))
        #expect(await s.stop())
    }

    @Test func metricsParseAsPrometheusTextAndCountWhatTheGraphDid() async throws {
        let s = try await LiveServer.start("""
            name: counted
            nodes:
              cam: {kind: frame.generate, width: 64, height: 48, framerate: 100, count: 25}
              out: {kind: frame.discard, input: cam, queue: {size: 32, policy: block}}
              live: {kind: frame.generate, width: 16, height: 16, framerate: 5}
              live-out: {kind: frame.discard, input: live}
            """)
        #expect(await eventually { s.service.snapshot().node("out")?.counters["frames_in"] == 25 }, "\(String(describing: s.service.snapshot().node("out")))")
        let r = try await s.get("/metrics")
        #expect(r.status == 200)
        #expect(r.headers["Content-Type"].first?.hasPrefix("text/plain; version=0.0.4") == true)
        let m = try PrometheusText(r.text)
        #expect(m.value("mediarouter_node_frames_sent_total", ["graph": "counted", "node": "cam"]) == 25)
        #expect(m.value("mediarouter_node_frames_received_total", ["node": "out"]) == 25)
        #expect(m.value("mediarouter_node_sent_bytes_total", ["node": "cam"]) == Double(25 * 64 * 48 * 3))
        #expect(m.value("mediarouter_edge_queue_capacity", ["from": "cam", "to": "out"]) ?? 0 > 0)
        #expect(m.types["mediarouter_node_latency_seconds"] == "histogram")
        #expect(m.value("mediarouter_node_latency_seconds_count", ["node": "out"]) == 25)
        for (name, type) in m.types { #expect((type == "counter") == name.hasSuffix("_total"), "\(name)") }
        #expect(await s.stop())
    }

    @Test func graphPictureAndSnapshot() async throws {
        let s = try await LiveServer.start(Self.graph)
        var r = try await s.get("/graph.svg")
        #expect(r.status == 200, "\(r.text)")
        #expect(r.headers["Content-Type"].first == "image/svg+xml")
        #expect(r.text.contains("<svg") && r.text.contains("node-cam") && r.text.contains("node-out"))
        r = try await s.get("/api/v1/nodes/cam/snapshot.jpg?width=160")
        #expect(r.status == 200)
        #expect(r.headers["Content-Type"].first == "image/jpeg")
        let size = try #require(JPEGSize.of(r.body))
        #expect(size.0 == 160 && size.1 == 120)
        #expect(await s.stop())
    }
}

extension ControlPlaneAPITests {
    @Test func aSinkHasNoPreview() async throws {
        let s = try await LiveServer.start(Self.graph)
        for path in ["/api/v1/nodes/out/snapshot.jpg", "/api/v1/nodes/out/preview.mjpg"] {
            let r = try await s.get(path)
            #expect(r.status == 409, "\(path): \(r.text)")
            #expect((r.object["error"] as? String)?.contains("preview its input 'cam'") == true, "\(r.text)")
            try OpenAPI.load().check(r, path: path.replacingOccurrences(of: "/out/", with: "/{name}/"), method: "get")
        }
        #expect(await s.stop())
    }
}
