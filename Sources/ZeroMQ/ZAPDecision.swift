/// One answer of a ``ZAPAuthenticator`` to a handshake, reported to its `onDecision` callback.
public struct ZAPDecision: Sendable, CustomStringConvertible {
    /// The ZAP domain of the server socket (`""` when the socket sets none).
    public let domain: String
    /// The peer's IP address as libzmq reports it.
    public let address: String
    /// The mechanism the peer used: `"CURVE"`, `"NULL"`, `"PLAIN"`, ...
    public let mechanism: String
    /// The client's public key, for CURVE requests.
    public let clientKey: CurveKey?
    /// Whether the handshake was allowed to complete.
    public let accepted: Bool
    /// The ZAP status code sent: 200 accepted, 400 refused, 500 malformed request.
    public let statusCode: Int
    /// Why, in words (also sent to the peer as the ZAP status text).
    public let reason: String
    /// For a client admitted by an allow-list folder: the name of its key file, without `.key`.
    public let clientName: String?

    public init(domain: String, address: String, mechanism: String, clientKey: CurveKey?,
                accepted: Bool, statusCode: Int, reason: String, clientName: String? = nil) {
        self.domain = domain
        self.address = address
        self.mechanism = mechanism
        self.clientKey = clientKey
        self.accepted = accepted
        self.statusCode = statusCode
        self.reason = reason
        self.clientName = clientName
    }

    /// The client key's fingerprint (see ``CurveKey/fingerprint``), for logs.
    public var fingerprint: String? { clientKey?.fingerprint }

    public var description: String {
        let who = fingerprint.map { "key \($0)" } ?? "no key"
        return "\(accepted ? "accepted" : "denied") \(mechanism) client \(address) (\(who)) in domain \"\(domain)\": \(reason)"
    }
}
