import Foundation
import MediaRouter

/// The topology as Graphviz draws it (`dot -Tsvg`), with live figures: each node's state,
/// frames per second and drops, each edge's queue depth and drops.
public enum GraphDrawing {
    /// The graph in the DOT language. `rates` gives frames/s by node name.
    public static func dot(_ snapshot: GraphSnapshot, rates: [String: Double] = [:]) -> String {
        var out = "digraph \"\(quote(snapshot.graph))\" {\n"
        out += "  graph [rankdir=LR, bgcolor=\"transparent\", fontname=\"sans-serif\", nodesep=0.4, ranksep=0.6];\n"
        out += "  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=11, penwidth=1.5];\n"
        out += "  edge [fontname=\"sans-serif\", fontsize=9, color=\"#6b7280\"];\n"
        for n in snapshot.nodes {
            let (fill, border) = colors(n.state)
            var lines = ["<b>\(html(n.name))</b>", "<font point-size=\"9\">\(html(n.kind)) · \(n.state.rawValue)</font>"]
            var figures: [String] = []
            if let r = rates[n.name] { figures.append(String(format: "%.1f fps", r)) }
            let drops = n.drops.values.reduce(0, +)
            if drops > 0 { figures.append("\(drops) dropped") }
            if !n.peers.isEmpty || n.gauges["peers"] != nil {
                let count = n.peers.isEmpty ? Int(n.gauges["peers"] ?? 0) : n.peers.count
                figures.append("\(count) \(count == 1 ? "peer" : "peers")")
            }
            if !figures.isEmpty { lines.append("<font point-size=\"9\">\(html(figures.joined(separator: " · ")))</font>") }
            out += "  \"\(quote(n.name))\" [id=\"graph-node-\(quote(n.name))\", label=<\(lines.joined(separator: "<br/>"))>, fillcolor=\"\(fill)\", color=\"\(border)\", URL=\"#node-\(quote(n.name))\"];\n"
        }
        for e in snapshot.edges {
            var label = "\(e.depth)/\(e.queueSize)"
            let drops = e.drops.values.reduce(0, +)
            if drops > 0 { label += " · \(drops) dropped" }
            let style = e.policy == .dropOldest ? "dashed" : "solid"
            out += "  \"\(quote(e.from))\" -> \"\(quote(e.to))\" [label=\"\(quote(label))\", style=\(style)\(drops > 0 ? ", color=\"#d97706\"" : "")];\n"
        }
        out += "}\n"
        return out
    }

    static func colors(_ s: NodeState) -> (String, String) {
        switch s {
        case .running: return ("#dcfce7", "#16a34a")
        case .starting, .restarting: return ("#fef9c3", "#ca8a04")
        case .failed: return ("#fee2e2", "#dc2626")
        case .stopping, .stopped: return ("#e5e7eb", "#6b7280")
        }
    }

    static func quote(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: " ")
    }

    static func html(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Where `dot` is, or nil when Graphviz is not installed.
    public static func dotExecutable() -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin"] {
            let p = "\(dir)/dot"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Runs `dot -Tsvg` on a thread of its own (it blocks) and returns the SVG.
    public static func svg(_ dotText: String, timeout: Double = 10) async throws -> String {
        guard let dot = dotExecutable() else {
            throw RouterError(.unsupported, "Graphviz is not installed (no 'dot' on PATH); install the Debian package graphviz")
        }
        return try await onDedicatedThread(name: "graphviz") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: dot)
            p.arguments = ["-Tsvg"]
            let input = Pipe(), output = Pipe(), errors = Pipe()
            p.standardInput = input
            p.standardOutput = output
            p.standardError = errors
            try p.run()
            let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
            defer { killer.cancel() }
            // Write on another thread: a large drawing can fill the output pipe before dot has read all of its input.
            let text = Data(dotText.utf8)
            let writer = Thread {
                input.fileHandleForWriting.write(text)
                try? input.fileHandleForWriting.close()
            }
            writer.start()
            let svg = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                throw RouterError(.io, "dot -Tsvg failed (\(p.terminationStatus)): \(String(decoding: err.prefix(500), as: UTF8.self))")
            }
            return String(decoding: svg, as: UTF8.self)
        }
    }
}
