extension GraphLoader {
    /// Reads `input:` / `inputs:`: a node name, a list of them, or `{node: NAME, queue: {...}}`.
    func parseInputs(_ v: ConfigValue, diagnostics d: inout Diagnostics) -> [(name: String, location: SourceLocation, queue: QueueSettings?)] {
        var out: [(name: String, location: SourceLocation, queue: QueueSettings?)] = []
        func one(_ item: ConfigValue) {
            switch item {
            case .scalar(let s, _, let loc):
                if item.isNullScalar { d.error("input is empty; name a node", at: loc); return }
                // "a, b" is a common slip for a list.
                if s.contains(",") {
                    for part in s.split(separator: ",") { out.append((part.trimmingCharacters(in: .whitespaces), loc, nil)) }
                } else {
                    out.append((s, loc, nil))
                }
            case .mapping(let entries, let loc):
                var name: String?
                var nameLoc = loc
                var queue: QueueSettings?
                for e in entries {
                    switch e.key {
                    case "node", "from":
                        name = e.value.scalarText
                        nameLoc = e.value.location
                    case "queue":
                        queue = parseQueue(e.value, diagnostics: &d)
                    default:
                        d.error("unknown key '\(e.key)' in an input\(didYouMean(e.key, in: ["node", "queue"])); expected 'node' and optionally 'queue'", at: e.keyLocation)
                    }
                }
                guard let name else { d.error("input needs 'node: <name>'", at: loc); return }
                out.append((name, nameLoc, queue))
            case .sequence(_, let loc):
                d.error("an input must be a node name or {node: NAME, queue: {...}}, not a nested list", at: loc)
            }
        }
        if case .sequence(let items, _) = v { items.forEach(one) } else { one(v) }
        return out
    }
}
