/// What a ``ZAPAuthenticator`` accepts for one ZAP domain. Every policy requires the CURVE
/// mechanism: NULL and PLAIN requests are refused.
public enum ZAPPolicy: Hashable, Sendable, CustomStringConvertible {
    /// StoneHouse: any CURVE client is accepted. The connection is still encrypted and the
    /// client must know the server's public key.
    case allowAny
    /// IronHouse: a CURVE client is accepted only if its public key is in one of the
    /// `directory/*.key` certificate files. The folder is watched: added and removed files
    /// take effect from the next handshake, without a restart.
    case allowList(directory: String)
    /// Every request is refused.
    case denyAll

    public var description: String {
        switch self {
        case .allowAny: return "allow any CURVE client"
        case .allowList(let directory): return "allow CURVE clients listed in \(directory)"
        case .denyAll: return "deny all"
        }
    }
}
