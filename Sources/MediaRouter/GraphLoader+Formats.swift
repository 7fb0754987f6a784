extension GraphLoader {
    /// What each node accepts and produces, indexed like `pending`; empty for every node when
    /// the graph has a cycle (there is no order to work them out in).
    struct MediaFormats {
        var produced: [Set<MediaKind>]
        var accepted: [Set<MediaKind>]
    }

    /// Works out each node's formats in producer-first order and checks that what each node
    /// produces meets what each consumer accepts, suggesting the converter node that fits.
    func checkFormats(_ pending: [Pending], edges: [GraphEdge], order: NodeOrder, diagnostics d: inout Diagnostics) -> MediaFormats {
        var produced = [Set<MediaKind>](repeating: [], count: pending.count)
        var accepted = [Set<MediaKind>](repeating: [], count: pending.count)
        if order.hasCycle { return MediaFormats(produced: produced, accepted: accepted) }
        for n in order.order {
            guard let plugin = pending[n].plugin, let options = pending[n].options else { continue }
            accepted[n] = plugin.accepts(options)
            var inputKinds = Set<MediaKind>()
            for e in edges where e.to == n { inputKinds.formUnion(produced[e.from]) }
            produced[n] = plugin.produces(options, inputKinds: inputKinds)
        }
        for e in edges {
            guard let consumer = pending[e.to].plugin, pending[e.from].plugin != nil,
                  pending[e.to].options != nil, pending[e.from].options != nil else { continue }
            let out = produced[e.from]
            let acc = accepted[e.to]
            if out.isEmpty { continue }
            if out.isDisjoint(with: acc) {
                let convertible = out.contains { k in registry.converter(from: k, to: acc) != nil }
                let fromKind = pending[e.from].plugin!.kind
                let outText = out.sorted { $0.rawValue < $1.rawValue }.map(\.description).joined(separator: " or ")
                let accText = acc.sorted { $0.rawValue < $1.rawValue }.map(\.description).joined(separator: " or ")
                var hint = ""
                if out == [.jpeg] && acc.contains(.raw) { hint = "; put a jpeg.decode node between them" }
                else if out == [.raw] && acc == [.jpeg] { hint = "; put a jpeg.encode node between them" }
                if !convertible || out == [.jpeg] {
                    d.error("node '\(pending[e.to].name)' (\(consumer.kind)) needs \(accText), but its input '\(pending[e.from].name)' (\(fromKind)) produces \(outText)\(hint)", at: e.location)
                }
            }
        }
        return MediaFormats(produced: produced, accepted: accepted)
    }
}
