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

/// The peers a node has now, kept by the node and read by snapshots. Joining and leaving also
/// post graph events (`GraphEvent.peerJoined` / `.peerLeft`).
public final class PeerTable: Sendable {
    private let peers = Locked<[String: PeerSnapshot]>([:])
    private let onChange = Locked<(@Sendable (GraphEvent.Kind, PeerSnapshot) -> Void)?>(nil)

    public init() {}

    func observe(_ body: @escaping @Sendable (GraphEvent.Kind, PeerSnapshot) -> Void) { onChange.value = body }

    public func join(_ peer: PeerSnapshot) {
        peers.withLock { $0[peer.id] = peer }
        onChange.value?(.peerJoined, peer)
    }

    public func leave(id: String) {
        guard let peer = peers.withLock({ $0.removeValue(forKey: id) }) else { return }
        onChange.value?(.peerLeft, peer)
    }

    /// Counts frames sent to one peer (or to all, for a fan-out socket that cannot tell them apart).
    public func countSent(id: String? = nil, frames: Int = 1, bytes: Int, drops: Int = 0) {
        peers.withLock { table in
            for key in id.map({ [$0] }) ?? Array(table.keys) {
                table[key]?.framesSent += frames
                table[key]?.bytesSent += bytes
                table[key]?.drops += drops
            }
        }
    }

    public var all: [PeerSnapshot] { peers.value.values.sorted { $0.connectedSince < $1.connectedSince } }
    public var count: Int { peers.withLock { $0.count } }
}
