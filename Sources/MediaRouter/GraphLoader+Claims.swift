extension GraphLoader {
    /// Collects the resources each node holds (indexed like `pending`) and reports those only
    /// one node may hold that two claim (a port two nodes bind).
    func checkClaims(_ pending: [Pending], diagnostics d: inout Diagnostics) -> [[ResourceClaim]] {
        let claims: [[ResourceClaim]] = pending.map { p in p.options.map { p.plugin?.claims($0) ?? [] } ?? [] }
        for diagnostic in ResourceClaim.conflicts(zip(pending, claims).map { ($0.name, $1) }) { d.append(diagnostic) }
        return claims
    }
}
