extension GraphLoader {
    /// The policy a node of this kind gets when its graph gives it no `restart:`.
    public static func defaultRestart(_ plugin: any NodePlugin.Type) -> RestartPolicy {
        if let r = plugin as? any RestartDefaulting.Type { return r.defaultRestart }
        return .never
    }

    /// Reads a `restart:` setting: a mode, a bool, or a mapping with policy, limits and back-off.
    func parseRestart(_ v: ConfigValue, diagnostics d: inout Diagnostics) -> RestartPolicy? {
        let modes = RestartPolicy.Mode.allCases.map(\.rawValue)
        if let s = v.scalarText {
            if let m = RestartPolicy.Mode(rawValue: s) { return RestartPolicy(mode: m) }
            if let b = ConfigValue.parseBool(s) { return RestartPolicy(mode: b ? .onFailure : .never) }
            d.error("'restart' must be one of \(modes.joined(separator: ", ")) or a mapping, got \(v.shortDescription)\(didYouMean(s, in: modes))", at: v.location)
            return nil
        }
        guard case .mapping(let entries, _) = v else {
            d.error("'restart' must be one of \(modes.joined(separator: ", ")) or a mapping", at: v.location)
            return nil
        }
        var policy = RestartPolicy(mode: .onFailure)
        for e in entries {
            switch e.key {
            case "policy", "mode":
                if let s = e.value.scalarText, let m = RestartPolicy.Mode(rawValue: s) { policy.mode = m } else {
                    d.error("restart 'policy' must be one of \(modes.joined(separator: ", ")), got \(e.value.shortDescription)", at: e.value.location)
                }
            case "max_restarts":
                if let s = e.value.scalarText, let n = Int(s), n >= 0 { policy.maxRestarts = n } else {
                    d.error("restart 'max_restarts' must be a whole number ≥ 0", at: e.value.location)
                }
            case "backoff", "max_backoff":
                if let s = e.value.scalarText, let t = parseDuration(s), t >= 0, t <= 86400 {
                    if e.key == "backoff" { policy.backoff = t } else { policy.maxBackoff = t }
                } else {
                    d.error("restart '\(e.key)' must be a duration such as 500ms or 5s", at: e.value.location)
                }
            default:
                d.error("unknown key '\(e.key)' in restart\(didYouMean(e.key, in: ["policy", "max_restarts", "backoff", "max_backoff"]))", at: e.keyLocation)
            }
        }
        if policy.maxBackoff < policy.backoff { policy.maxBackoff = policy.backoff }
        return policy
    }
}

/// Plugins whose nodes should restart by default (live capture, recording) adopt this.
public protocol RestartDefaulting {
    static var defaultRestart: RestartPolicy { get }
}
