import Foundation
import HTTPTypes
import Hummingbird
import MediaRouter
import NIOCore
import ZeroMQ

extension ControlPlane {
    func addRoutes(to router: Router<ControlRequestContext>) {
        router.get("/") { request, _ in try self.dashboard(request) }
        router.get("/dashboard.css") { _, _ in Self.asset(Dashboard.css, type: "text/css; charset=utf-8") }
        router.get("/dashboard.js") { _, _ in Self.asset(Dashboard.js, type: "text/javascript; charset=utf-8") }
        router.get("/graph.svg") { _, _ in try await self.graphSVG() }
        router.get("/metrics") { _, _ in self.metricsText() }
        router.get("/api/v1/graph") { _, _ in try self.json(self.graphView()) }
        router.get("/api/v1/nodes/:name") { _, context in
            let name = try context.parameters.require("name")
            return try self.json(self.nodeView(try self.node(name)))
        }
        router.get("/api/v1/nodes/:name/peers") { _, context in
            let n = try self.node(try context.parameters.require("name"))
            return try self.json(PeersView(node: n.name, kind: n.kind, peers: n.peers))
        }
        router.get("/api/v1/nodes/:name/snapshot.jpg") { request, context in
            try await self.snapshotJPEG(request, node: try context.parameters.require("name"))
        }
        router.get("/api/v1/nodes/:name/preview.mjpg") { request, context in
            try await self.previewMJPEG(request, context: context, node: try context.parameters.require("name"))
        }
        router.get("/api/v1/events") { request, context in try self.eventsStream(request, context: context) }
        router.post("/api/v1/reload") { request, context in
            try self.requireAdmin(context)
            return try await self.reload(request, context: context)
        }
        router.post("/api/v1/keys/revoke") { request, context in
            try self.requireAdmin(context)
            return try await self.revoke(request, context: context)
        }
    }

    func requireAdmin(_ context: ControlRequestContext) throws {
        guard context.role == .admin else {
            refusals.count(.forbidden)
            throw APIError(.forbidden, "this needs an admin token; the token given is a read token")
        }
    }

    // MARK: Helpers

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.api.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func node(_ name: String) throws -> NodeSnapshot {
        let snapshot = graph.snapshot()
        guard let n = snapshot.node(name) else {
            throw APIError(.notFound, "no node named '\(name)'\(didYouMean(name, in: snapshot.nodes.map(\.name)))")
        }
        return n
    }

    /// A query parameter as a number in `range`, or `fallback` when absent.
    static func number<T: LosslessStringConvertible & Comparable & Sendable>(_ request: Request, _ key: String, in range: ClosedRange<T>, default fallback: T?) throws -> T? {
        guard let text = request.uri.queryParameters[Substring(key)] else { return fallback }
        guard let v = T(String(text)), range.contains(v) else {
            throw APIError(.badRequest, "'\(key)' must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text.prefix(40))'")
        }
        if let d = v as? Double, !d.isFinite { throw APIError(.badRequest, "'\(key)' must be a finite number") }
        return v
    }

    static func flag(_ request: Request, _ key: String) throws -> Bool {
        guard let text = request.uri.queryParameters[Substring(key)] else { return false }
        switch text.lowercased() {
        case "", "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw APIError(.badRequest, "'\(key)' must be true or false, not '\(text.prefix(40))'")
        }
    }

    // MARK: Views

    struct NodeView: Encodable {
        var node: NodeSnapshot
        var fps: Double?
        var history: [RateSampler.NodeSample]
        enum Keys: String, CodingKey { case fps, history }
        func encode(to encoder: any Encoder) throws {
            try node.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encodeIfPresent(fps, forKey: .fps)
            try c.encode(history, forKey: .history)
        }
    }

    struct GraphView: Encodable {
        var graph: String
        var file: String
        var startedAt: Date
        var uptimeSeconds: Double
        var stopping: Bool
        var nodes: [NodeView]
        var edges: [EdgeSnapshot]
        var reloads: ReloadStats
    }

    struct PeersView: Encodable {
        var node: String
        var kind: String
        var peers: [PeerSnapshot]
    }

    func nodeView(_ n: NodeSnapshot) -> NodeView {
        let history = sampler.history
        return NodeView(node: n, fps: history.last?.nodes[n.name]?.fps,
                        history: history.compactMap { $0.nodes[n.name] })
    }

    func graphView() -> GraphView {
        let s = graph.snapshot()
        return GraphView(graph: s.graph, file: s.file, startedAt: s.startedAt, uptimeSeconds: s.uptimeSeconds, stopping: s.stopping,
                         nodes: s.nodes.map(nodeView), edges: s.edges, reloads: s.reloads)
    }

    // MARK: Pages

    func dashboard(_ request: Request) throws -> Response {
        if request.uri.queryParameters["token"] != nil {
            // The cookie now holds the token (AuthMiddleware sets it): take it out of the address bar.
            return Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                               .init("Content-Security-Policy")!: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
                                               .init("X-Content-Type-Options")!: "nosniff",
                                               .init("Referrer-Policy")!: "no-referrer"],
                        body: .init(byteBuffer: ByteBuffer(string: Dashboard.html)))
    }

    func graphSVG() async throws -> Response {
        let now = ContinuousClock.now
        if let cached = svgCache.value, cached.at.duration(to: now) < .seconds(1) {
            return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: cached.svg)))
        }
        let dot = GraphDrawing.dot(graph.snapshot(), rates: sampler.rates)
        let svg: String
        do { svg = try await GraphDrawing.svg(dot) } catch {
            throw APIError(.serviceUnavailable, "\(error)")
        }
        svgCache.value = (now, svg)
        return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: svg)))
    }

    func metricsText() -> Response {
        let text = metrics.render(graph.snapshot(), extra: controlFigures)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Reload and revoke

    struct ReloadView: Encodable {
        var outcome: ReloadRecord.Outcome
        var trigger: ReloadRecord.Trigger
        var at: Date
        var seconds: Double
        var plan: GraphPlan?
        var errors: [LocatedError]
        var warnings: [LocatedError]
    }

    func reload(_ request: Request, context: ControlRequestContext) async throws -> Response {
        let dryRun = try Self.flag(request, "dry_run")
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBodySize)
        let text: String?
        if body.readableBytes == 0 {
            text = nil
        } else {
            guard let t = body.getString(at: body.readerIndex, length: body.readableBytes), !t.utf8.contains(0) else {
                throw APIError(.unprocessableContent, "the body is not a graph file: it is not UTF-8 text")
            }
            text = t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : t
        }
        let result = await graph.reload(text: text, dryRun: dryRun)
        let errors = result.diagnostics.filter { $0.severity == .error }.map(LocatedError.init)
        let warnings = result.diagnostics.filter { $0.severity == .warning }.map(LocatedError.init)
        let r = result.record
        if r.outcome == .rejected {
            let located = errors.isEmpty ? r.errors.map { LocatedError(Diagnostic(.error, at: SourceLocation(file: self.graph.runningGraph.file, line: 0, column: 0), $0)) } : errors
            throw APIError(.unprocessableContent, "the graph does not validate (\(located.count) error\(located.count == 1 ? "" : "s")); nothing changed", errors: located)
        }
        return try json(ReloadView(outcome: r.outcome, trigger: r.trigger, at: r.at, seconds: r.seconds, plan: r.plan, errors: errors, warnings: warnings))
    }

    struct RevokeRequest: Decodable {
        var name: String?
        var fingerprint: String?
        var location: String?
        var force: Bool?
    }

    struct Revoked: Encodable {
        var name: String
        var fingerprint: String
        var location: String
    }

    func revoke(_ request: Request, context: ControlRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let ask: RevokeRequest
        do {
            ask = try JSONDecoder().decode(RevokeRequest.self, from: Data(buffer: body))
        } catch {
            throw APIError(.badRequest, "the body must be JSON: {\"name\": \"CLIENT\"} or {\"fingerprint\": \"xxxx:xxxx:xxxx:xxxx\"}, optionally with \"location\" (the key folder) and \"force\"")
        }
        let name = ask.name?.trimmingCharacters(in: .whitespaces)
        let fingerprint = ask.fingerprint?.trimmingCharacters(in: .whitespaces).lowercased()
        guard (name?.isEmpty == false) != (fingerprint?.isEmpty == false) else {
            throw APIError(.badRequest, "give either 'name' or 'fingerprint' (one of them)")
        }
        let locations: [String?]
        if let l = ask.location {
            locations = [l]
        } else {
            let found = Set(graph.snapshot().nodes.filter { $0.kind.hasPrefix("netgear") }.compactMap { n -> String? in
                if case .string(let s)? = n.options["custom_cert_location"] { return s }
                return nil
            })
            locations = found.isEmpty ? [nil] : found.sorted()
        }
        let force = ask.force ?? false
        let graphDir = (graph.runningGraph.file as NSString).deletingLastPathComponent
        let revoked = try await onDedicatedThread(name: "revoke") { () throws -> [Revoked] in
            var done: [Revoked] = []
            var searched: [String] = []
            for location in locations {
                let resolved = location.map { l -> String in
                    let e = (l as NSString).expandingTildeInPath
                    return e.hasPrefix("/") || graphDir.isEmpty ? e : (graphDir as NSString).appendingPathComponent(e)
                }
                let store: VidgearKeyStore
                do { store = try VidgearKeyStore(customCertLocation: resolved) } catch {
                    throw APIError(.badRequest, "key folder \(resolved ?? "~"): \(error)")
                }
                searched.append(store.publicKeysDirectory)
                let keys = (try? store.allowedClientKeys()) ?? []
                let matches = keys.filter { k in
                    if let name { return k.name == name }
                    return k.key.fingerprint == fingerprint
                }
                for m in matches {
                    do { try store.revokeClient(name: m.name, force: force) } catch {
                        throw APIError(.conflict, "cannot revoke '\(m.name)': \(error)")
                    }
                    done.append(Revoked(name: m.name, fingerprint: m.key.fingerprint, location: store.publicKeysDirectory))
                }
            }
            if done.isEmpty {
                let what = name.map { "no client named '\($0)'" } ?? "no client key with fingerprint \(fingerprint ?? "")"
                throw APIError(.notFound, "\(what) in \(searched.joined(separator: ", "))")
            }
            return done
        }
        for r in revoked { logger.notice("control plane: revoked client \(r.name) (\(r.fingerprint)) in \(r.location)") }
        return try json(["revoked": revoked])
    }
}
