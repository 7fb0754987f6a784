extension GraphLoader {
    /// Turns each node's inputs into edges (indices into `pending`): inputs must name nodes that
    /// exist, each once, not the node itself and not a sink; sources take none, others need one.
    func checkEdges(_ pending: [Pending], diagnostics d: inout Diagnostics) -> [GraphEdge] {
        let names = pending.map(\.name)
        var index: [String: Int] = [:]
        for (i, p) in pending.enumerated() { index[p.name] = i }
        var edges: [GraphEdge] = []
        for (ci, p) in pending.enumerated() {
            guard let plugin = p.plugin else { continue }
            if plugin.role == .source {
                if p.hasInputKey {
                    d.error("node '\(p.name)' is a source (\(plugin.kind)) and cannot take an input", at: p.inputKeyLocation ?? p.location)
                }
                continue
            }
            if !p.hasInputKey {
                d.error("node '\(p.name)' (\(plugin.kind)) has no input: nothing feeds it; add 'input: <node>'", at: p.location)
                continue
            }
            if p.inputs.isEmpty {
                d.error("node '\(p.name)' (\(plugin.kind)) has an empty input list: nothing feeds it", at: p.inputKeyLocation ?? p.location)
            }
            var seenInputs = Set<String>()
            for input in p.inputs {
                guard let pi = index[input.name] else {
                    d.error("input '\(input.name)' of node '\(p.name)' does not exist\(didYouMean(input.name, in: names))", at: input.location)
                    continue
                }
                if !seenInputs.insert(input.name).inserted {
                    d.error("node '\(p.name)' names input '\(input.name)' twice", at: input.location)
                    continue
                }
                if pi == ci {
                    d.error("node '\(p.name)' cannot be its own input", at: input.location)
                    continue
                }
                if let prodPlugin = pending[pi].plugin, prodPlugin.role == .sink {
                    d.error("input '\(input.name)' of node '\(p.name)' is a sink (\(prodPlugin.kind)); sinks produce no frames", at: input.location)
                    continue
                }
                let queue = input.queue ?? p.queue ?? plugin.defaultInputQueue
                edges.append(GraphEdge(from: pi, to: ci, queue: queue, location: input.location))
            }
        }
        return edges
    }
}
