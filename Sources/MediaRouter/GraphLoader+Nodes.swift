extension GraphLoader {
    /// Checks one entry under `nodes:`: its name, its kind, each of its keys and its options.
    func checkNode(_ entry: ConfigEntry, baseDirectory: String, diagnostics d: inout Diagnostics) -> Pending {
        var p = Pending(name: entry.key, location: entry.keyLocation)
        GraphLoader.checkNodeName(entry, diagnostics: &d)
        guard case .mapping(let fields, _) = entry.value else {
            d.error("node '\(entry.key)' must be a mapping with at least 'kind:', found \(entry.value.isNullScalar ? "nothing" : entry.value.shortDescription)", at: entry.value.isNullScalar ? entry.keyLocation : entry.value.location)
            return p
        }
        guard let kindEntry = fields.first(where: { $0.key == "kind" }) else {
            d.error("node '\(entry.key)' has no 'kind'; valid kinds: \(registry.kinds.joined(separator: ", "))", at: entry.keyLocation)
            return p
        }
        guard let kind = kindEntry.value.scalarText, !kindEntry.value.isNullScalar else {
            d.error("'kind' of node '\(entry.key)' must be a name; valid kinds: \(registry.kinds.joined(separator: ", "))", at: kindEntry.value.location)
            return p
        }
        guard let plugin = registry.plugin(kind: kind) else {
            d.error("unknown kind '\(kind)'\(didYouMean(kind, in: registry.kinds)); valid kinds: \(registry.kinds.joined(separator: ", "))", at: kindEntry.value.location)
            return p
        }
        p.plugin = plugin
        var options = NodeOptions(nodeName: entry.key, kind: kind, location: entry.keyLocation, specs: plugin.options, baseDirectory: baseDirectory)
        let specNames = plugin.options.map(\.name)
        var seen = Set<String>()
        for f in fields {
            if !seen.insert(f.key).inserted {
                d.error("option '\(f.key)' is given twice", at: f.keyLocation)
                continue
            }
            switch f.key {
            case "kind", "description": continue
            case "input", "inputs":
                if p.hasInputKey {
                    d.error("give either 'input' or 'inputs', not both", at: f.keyLocation)
                    continue
                }
                p.hasInputKey = true
                p.inputKeyLocation = f.keyLocation
                p.inputs = parseInputs(f.value, diagnostics: &d)
            case "queue":
                p.queue = parseQueue(f.value, diagnostics: &d)
            case "restart":
                p.restart = parseRestart(f.value, diagnostics: &d)
            default:
                guard let spec = plugin.options.first(where: { $0.name == f.key }) else {
                    let common = Array(GraphLoader.reservedNodeKeys)
                    d.error("unknown option '\(f.key)' for \(kind)\(didYouMean(f.key, in: specNames + common))", at: f.keyLocation)
                    continue
                }
                if f.value.isNullScalar, case .json = spec.type {} else if f.value.isNullScalar {
                    d.error("option '\(f.key)' of \(kind) has no value; expected \(spec.type)", at: f.keyLocation)
                    continue
                }
                switch OptionChecker.check(f.value, as: spec.type) {
                case .success(let v): options.set(spec.name, v, at: f.value.location)
                case .failure(let failure):
                    d.error("option '\(f.key)' of \(kind): \(failure.message)", at: failure.location ?? f.value.location)
                }
            }
        }
        // An option given with a wrong value already has its error; "missing" would be a second one.
        for spec in plugin.options where spec.required && !options.isSet(spec.name) && !seen.contains(spec.name) {
            d.error("node '\(entry.key)' (\(kind)) is missing required option '\(spec.name)' (\(spec.doc))", at: entry.keyLocation)
        }
        p.options = options
        return p
    }
}
