extension GraphLoader {
    /// Reads a `queue:` setting: a policy name, or `{size: N, policy: block|drop-oldest}`.
    func parseQueue(_ v: ConfigValue, diagnostics d: inout Diagnostics) -> QueueSettings? {
        guard case .mapping(let entries, _) = v else {
            if let s = v.scalarText, let policy = QueuePolicy(rawValue: s) {
                return QueueSettings(size: policy == .block ? QueueSettings.lossless.size : QueueSettings.live.size, policy: policy)
            }
            d.error("'queue' must be a mapping such as {size: 8, policy: drop-oldest}", at: v.location)
            return nil
        }
        var size: Int?
        var policy: QueuePolicy?
        for e in entries {
            switch e.key {
            case "size":
                if let s = e.value.scalarText, let n = Int(s), (1...100_000).contains(n) { size = n } else {
                    d.error("queue 'size' must be an integer from 1 to 100000, got \(e.value.shortDescription)", at: e.value.location)
                }
            case "policy":
                if let s = e.value.scalarText, let p = QueuePolicy(rawValue: s) ?? QueuePolicy(rawValue: s.replacingOccurrences(of: "_", with: "-")) { policy = p } else {
                    let given = e.value.scalarText ?? ""
                    d.error("queue 'policy' must be block or drop-oldest, got \(e.value.shortDescription)\(didYouMean(given, in: QueuePolicy.allCases.map(\.rawValue)))", at: e.value.location)
                }
            default:
                d.error("unknown key '\(e.key)' in queue\(didYouMean(e.key, in: ["size", "policy"])); expected 'size' and 'policy'", at: e.keyLocation)
            }
        }
        let p = policy ?? .block
        return QueueSettings(size: size ?? (p == .block ? QueueSettings.lossless.size : QueueSettings.live.size), policy: p)
    }
}
