extension GraphLoader {
    /// Builds the checked graph: nodes in producer-first order, edges renumbered to match, each
    /// node listing its input and output edges. Only called when checking found no errors.
    func assembleGraph(name: String, file: String, pending: [Pending], edges: [GraphEdge], order: [Int],
                       formats: MediaFormats, claims: [[ResourceClaim]]) -> Graph {
        var nodes: [GraphNode] = []
        var remap = [Int](repeating: -1, count: pending.count)
        for (newIndex, old) in order.enumerated() { remap[old] = newIndex }
        for old in order {
            let p = pending[old]
            var node = GraphNode(name: p.name, plugin: p.plugin!, options: p.options!, location: p.location,
                                 restart: p.restart ?? GraphLoader.defaultRestart(p.plugin!), restartIsExplicit: p.restart != nil)
            node.accepts = formats.accepted[old]
            node.produces = formats.produced[old]
            node.claims = claims[old]
            nodes.append(node)
        }
        var finalEdges: [GraphEdge] = []
        for e in edges {
            var fe = e
            fe.from = remap[e.from]
            fe.to = remap[e.to]
            nodes[fe.to].inputEdges.append(finalEdges.count)
            nodes[fe.from].outputEdges.append(finalEdges.count)
            finalEdges.append(fe)
        }
        return Graph(name: name, file: file, nodes: nodes, edges: finalEdges)
    }
}
