import Foundation

/// One connected peer of a network node, as the API shows it: never a secret, only the public
/// key's fingerprint.
public struct PeerSnapshot: Sendable, Codable, Equatable {
    /// Stable within the node while the peer is connected (a routing id, a socket id).
    public var id: String
    /// The public key's fingerprint (CURVE), nil for plaintext peers.
    public var fingerprint: String?
    /// The client name from the allow-list, when known.
    public var name: String?
    public var address: String?
    public var connectedSince: Date
    public var framesSent: Int
    public var bytesSent: Int
    public var drops: Int

    public init(id: String, fingerprint: String? = nil, name: String? = nil, address: String? = nil,
                connectedSince: Date = Date(), framesSent: Int = 0, bytesSent: Int = 0, drops: Int = 0) {
        self.id = id
        self.fingerprint = fingerprint
        self.name = name
        self.address = address
        self.connectedSince = connectedSince
        self.framesSent = framesSent
        self.bytesSent = bytesSent
        self.drops = drops
    }
}
