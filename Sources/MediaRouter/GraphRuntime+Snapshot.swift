import Foundation

extension GraphRuntime {
    /// The running graph now: the one view the status line, the summary, the stats file and the
    /// control plane read.
    public func snapshot(reloads: ReloadStats = ReloadStats()) -> GraphSnapshot {
        let w = wiringSnapshot
        let graph = w.graph
        var nodes: [NodeSnapshot] = []
        for gnode in graph.nodes {
            guard let s = w.supervisors[gnode.name] else { continue }
            let st = s.current
            let c = s.counters
            let split = c.split
            var counters: [String: Int] = [
                "frames_in": c.framesIn.load(ordering: .relaxed), "frames_out": c.framesOut.load(ordering: .relaxed),
                "bytes_in": c.bytesIn.load(ordering: .relaxed), "bytes_out": c.bytesOut.load(ordering: .relaxed),
                "dropped": c.dropped.load(ordering: .relaxed), "lost": c.lost.load(ordering: .relaxed),
                "errors": c.errors.load(ordering: .relaxed),
            ]
            counters.merge(split.counters) { a, _ in a }
            let latency = c.latency.count > 0 ? c.latency.snapshot : nil
            let peers = c.peers.all(counters: c)
            var gauges = split.gauges
            if !peers.isEmpty { gauges["peers"] = Double(peers.count) }
            nodes.append(NodeSnapshot(
                name: gnode.name, kind: gnode.kind, role: gnode.role.rawValue, state: st.state, detail: st.detail,
                since: st.since, replacements: st.replacements, restarts: st.restarts,
                options: Self.visibleOptions(st.spec.node.options),
                inputs: st.spec.node.inputEdges.map { graph.nodes[graph.edges[$0].from].name },
                counters: counters, drops: split.drops, gauges: gauges, latency: latency,
                notes: c.allNotes, peers: peers))
        }
        var edges: [EdgeSnapshot] = []
        for e in graph.edges {
            let from = graph.nodes[e.from].name, to = graph.nodes[e.to].name
            guard let q = w.edges[Self.edgeKey(from, to)] else { continue }
            edges.append(EdgeSnapshot(from: from, to: to, queueSize: e.queue.size, policy: e.queue.policy,
                                      depth: q.counters.depth.load(ordering: .relaxed),
                                      maxDepth: q.counters.maxDepth.load(ordering: .relaxed), drops: q.counters.drops))
        }
        return GraphSnapshot(graph: graph.name, file: graph.file, startedAt: startDate.value, uptimeSeconds: elapsed,
                             stopping: isStopping, nodes: nodes, edges: edges, reloads: reloads)
    }

    /// Option names whose values are never shown (none of today's kinds takes a secret inline;
    /// key material lives in key folders, whose paths are shown but not their contents).
    static func isSecret(_ name: String) -> Bool {
        let n = name.lowercased()
        return ["secret", "password", "token", "private"].contains { n.contains($0) }
    }

    static func visibleOptions(_ options: NodeOptions) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (name, value) in options.values {
            out[name] = isSecret(name) ? .string("(hidden)") : value.json
        }
        return out
    }

    /// Per-node figures in the older flat shape, for tests and tools.
    public func stats() -> [NodeStats] {
        let snap = snapshot()
        let w = wiringSnapshot
        return snap.nodes.map { n in
            let edgeDrops = w.graph.node(named: n.name).map { g in
                g.inputEdges.reduce(0) { sum, e in
                    let from = w.graph.nodes[w.graph.edges[e].from].name
                    return sum + (w.edges[Self.edgeKey(from, n.name)]?.counters.dropped.load(ordering: .relaxed) ?? 0)
                }
            } ?? 0
            var extras = n.counters
            for k in ["frames_in", "frames_out", "bytes_in", "bytes_out", "dropped", "lost", "errors"] { extras[k] = nil }
            extras.merge(n.drops) { a, _ in a }
            for (k, v) in n.gauges { extras[k] = Int(v) }
            return NodeStats(name: n.name, kind: n.kind, framesIn: n.counters["frames_in"] ?? 0, framesOut: n.counters["frames_out"] ?? 0,
                             bytesIn: n.counters["bytes_in"] ?? 0, bytesOut: n.counters["bytes_out"] ?? 0,
                             dropped: (n.counters["dropped"] ?? 0) + edgeDrops, lost: n.counters["lost"] ?? 0,
                             errors: n.counters["errors"] ?? 0, averageLatencyMilliseconds: n.latency?.mean.map { $0 * 1e3 },
                             extras: extras, notes: n.notes)
        }
    }
}
