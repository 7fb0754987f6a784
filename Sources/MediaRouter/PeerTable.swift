import Foundation

/// The peers a node has now, kept by the node and read by snapshots. Joining and leaving also
/// post graph events (`GraphEvent.peerJoined` / `.peerLeft`).
///
/// A peer's frames, bytes and drops are the node's own counts since the peer joined, taken when
/// a snapshot is made: nothing is counted per peer on the frame path. That is exact for a
/// connection with one peer (PAIR, REQ/REP) and for a fan-out socket, whose every subscriber is
/// offered every frame (libzmq does not say which subscriber's queue dropped one).
public final class PeerTable: Sendable {
    /// Which of the node's counts are a peer's traffic: what the node sends and drops (a
    /// sender), or what it receives and passes on, and the frames it saw lost (a receiver).
    public enum Traffic: Sendable { case sent, received }

    private struct Entry {
        var peer: PeerSnapshot
        var traffic: Traffic
        var frames: Int
        var bytes: Int
        var drops: Int
    }

    private let peers = Locked<[String: Entry]>([:])
    private let onChange = Locked<(@Sendable (GraphEvent.Kind, PeerSnapshot) -> Void)?>(nil)
    /// Bounded: a flood of connections must not grow the table without limit.
    public static let maxPeers = 4096

    public init() {}

    func observe(_ body: @escaping @Sendable (GraphEvent.Kind, PeerSnapshot) -> Void) { onChange.value = body }

    /// Adds `peer` (replacing one with the same id); its counts start from `counters` now.
    public func join(_ peer: PeerSnapshot, traffic: Traffic, counters: NodeCounters) {
        let base = Self.totals(counters, traffic)
        let added = peers.withLock { table -> Bool in
            guard table[peer.id] != nil || table.count < Self.maxPeers else { return false }
            table[peer.id] = Entry(peer: peer, traffic: traffic, frames: base.frames, bytes: base.bytes, drops: base.drops)
            return true
        }
        if added { onChange.value?(.peerJoined, peer) }
    }

    /// Removes the peer `id`, counted up to now from `counters`.
    public func leave(id: String, counters: NodeCounters) {
        guard let entry = peers.withLock({ $0.removeValue(forKey: id) }) else { return }
        onChange.value?(.peerLeft, Self.counted(entry, counters))
    }

    /// Every peer now, oldest first, with its counts from `counters`.
    public func all(counters: NodeCounters) -> [PeerSnapshot] {
        peers.value.values.map { Self.counted($0, counters) }.sorted { ($0.connectedSince, $0.id) < ($1.connectedSince, $1.id) }
    }

    public var count: Int { peers.withLock { $0.count } }

    /// A receiving source's output is what its peer sent (the frames it passed on), so frames
    /// and bytes are the node's output either way; drops are a sender's own, a receiver's lost.
    private static func totals(_ c: NodeCounters, _ traffic: Traffic) -> (frames: Int, bytes: Int, drops: Int) {
        let drops = traffic == .sent ? c.dropped.load(ordering: .relaxed) : c.lost.load(ordering: .relaxed)
        return (c.framesOut.load(ordering: .relaxed), c.bytesOut.load(ordering: .relaxed), drops)
    }

    private static func counted(_ e: Entry, _ c: NodeCounters) -> PeerSnapshot {
        let now = totals(c, e.traffic)
        var p = e.peer
        p.framesSent = max(0, now.frames - e.frames)
        p.bytesSent = max(0, now.bytes - e.bytes)
        p.drops = max(0, now.drops - e.drops)
        return p
    }
}
