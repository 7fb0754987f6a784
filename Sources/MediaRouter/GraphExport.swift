/// Draws a graph's topology for Graphviz (`dot`) or Mermaid.
public enum GraphExport {
    public enum Format: String, CaseIterable, Sendable { case dot, mermaid }

    public static func render(_ graph: Graph, as format: Format) -> String {
        switch format {
        case .dot: return dot(graph)
        case .mermaid: return mermaid(graph)
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func dot(_ graph: Graph) -> String {
        var out = "digraph \"\(escape(graph.name))\" {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n"
        for n in graph.nodes {
            let shape: String
            switch n.role {
            case .source: shape = "invhouse"
            case .transform: shape = "box"
            case .sink: shape = "house"
            }
            out += "  \"\(escape(n.name))\" [label=\"\(escape(n.name))\\n\(escape(n.kind))\", shape=\(shape)];\n"
        }
        for e in graph.edges {
            let label = "\(e.queue.policy.rawValue) \(e.queue.size)"
            out += "  \"\(escape(graph.nodes[e.from].name))\" -> \"\(escape(graph.nodes[e.to].name))\" [label=\"\(label)\"];\n"
        }
        out += "}\n"
        return out
    }

    static func mermaidID(_ s: String) -> String {
        "n_" + String(s.unicodeScalars.map { ($0.properties.isAlphabetic || ("0"..."9").contains($0)) && $0.isASCII ? Character($0) : "_" })
    }

    static func mermaid(_ graph: Graph) -> String {
        var out = "flowchart LR\n"
        for n in graph.nodes {
            let label = "\(n.name)<br/><small>\(n.kind)</small>".replacingOccurrences(of: "\"", with: "#quot;")
            switch n.role {
            case .source: out += "  \(mermaidID(n.name))[/\"\(label)\"/]\n"
            case .transform: out += "  \(mermaidID(n.name))[\"\(label)\"]\n"
            case .sink: out += "  \(mermaidID(n.name))[\\\"\(label)\"\\]\n"
            }
        }
        for e in graph.edges {
            out += "  \(mermaidID(graph.nodes[e.from].name)) -->|\(e.queue.policy.rawValue) \(e.queue.size)| \(mermaidID(graph.nodes[e.to].name))\n"
        }
        return out
    }
}
