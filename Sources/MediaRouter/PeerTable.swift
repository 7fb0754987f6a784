import Foundation

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
