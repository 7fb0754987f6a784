extension GraphLoader {
    /// Runs each plugin's own checks with what surrounds its node, and warns about a node whose
    /// frames go nowhere.
    func checkPlugins(_ pending: [Pending], edges: [GraphEdge], formats: MediaFormats, hasCycle: Bool,
                      diagnostics d: inout Diagnostics) {
        for (n, p) in pending.enumerated() {
            guard let plugin = p.plugin, let options = p.options else { continue }
            var inputKinds = Set<MediaKind>()
            var inputNames: [String] = []
            for e in edges where e.to == n {
                inputKinds.formUnion(formats.produced[e.from])
                inputNames.append(pending[e.from].name)
            }
            let consumers = edges.filter { $0.from == n }.map { formats.accepted[$0.to] }
            let ctx = ValidationContext(inputKinds: inputKinds, inputNames: inputNames, consumerAccepts: consumers)
            plugin.validate(options, context: ctx, into: &d)
            if plugin.role != .sink && consumers.isEmpty && !hasCycle {
                d.warning("node '\(p.name)' (\(plugin.kind)) feeds no other node; its frames go nowhere", at: p.location)
            }
        }
    }
}
