/// Something a node holds that no other node may hold at the same time, such as the TCP port it
/// listens on. Plugins declare claims (`NodePlugin.claims`); the loader reports two nodes
/// claiming the same resource, so that the clash is found by `validate`, not by the second node
/// failing at start. A live reload can use the same claims to see which nodes share a resource.
public struct ResourceClaim: Sendable, Hashable, CustomStringConvertible {
    /// What only one node may hold, e.g. "TCP port 5555".
    public var resource: String
    /// Where on the resource the claim holds, e.g. the IP address a port is bound on; nil means
    /// everywhere (`*`), which overlaps every scope.
    public var scope: String?
    /// What the node does with it, as the user would write it: "binds tcp://*:5555".
    public var use: String
    /// Where the claim comes from in the graph file.
    public var location: SourceLocation

    public init(resource: String, scope: String? = nil, use: String, location: SourceLocation) {
        self.resource = resource
        self.scope = scope
        self.use = use
        self.location = location
    }

    /// Whether two claims cannot both be held: the same resource, in overlapping scopes.
    public func conflicts(with other: ResourceClaim) -> Bool {
        resource == other.resource && (scope == nil || other.scope == nil || scope == other.scope)
    }

    public var description: String { use }

    /// One located error for each claim that clashes with an earlier one (in the order given,
    /// which is the file's), naming the node that claimed first.
    static func conflicts(_ claims: [(node: String, claims: [ResourceClaim])]) -> [Diagnostic] {
        var held: [(node: String, claim: ResourceClaim)] = []
        var out: [Diagnostic] = []
        for (node, nodeClaims) in claims {
            for claim in nodeClaims {
                if let first = held.first(where: { $0.claim.conflicts(with: claim) }) {
                    if first.node == node {
                        out.append(Diagnostic(.error, at: claim.location,
                                              "node '\(node)' \(claim.use == first.claim.use ? "\(claim.use) twice" : "\(claim.use) and \(first.claim.use)"): both need \(claim.resource)"))
                    } else {
                        out.append(Diagnostic(.error, at: claim.location,
                                              "node '\(node)' \(claim.use), but node '\(first.node)' (\(first.claim.location)) already \(first.claim.use): only one of them can have \(claim.resource)"))
                    }
                    continue
                }
                held.append((node, claim))
            }
        }
        return out
    }
}
