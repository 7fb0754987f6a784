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
    /// Plaintext (NULL mechanism) clients are accepted, CURVE ones refused. A plaintext socket
    /// sets a ZAP domain only so that libzmq refuses peers that speak ZMTP 1.0 or 2.0 before
    /// they reach it (`zap_enabled` in libzmq): no peer of ours or vidgear's speaks them, and
    /// random bytes from a stray TCP client are taken for ZMTP 1.0 otherwise, which stalls a
    /// REP socket and can abort the process on a ROUTER's routing-id push (libzmq 4.3.4).
    case allowPlaintext

    /// The ZAP domain of plaintext sockets; every authenticator answers it with `allowPlaintext`.
    public static let plaintextDomain = "media-router:plaintext"

    public var description: String {
        switch self {
        case .allowAny: return "allow any CURVE client"
        case .allowList(let directory): return "allow CURVE clients listed in \(directory)"
        case .denyAll: return "deny all"
        case .allowPlaintext: return "allow plaintext (NULL mechanism) clients"
        }
    }
}
