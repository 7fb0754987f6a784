import Foundation

/// Something that happened in the running graph, for the events stream of the control plane
/// and for logs.
public struct GraphEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case nodeState = "node_state"
        case reload
        case reloadFailed = "reload_failed"
        case peerJoined = "peer_joined"
        case peerLeft = "peer_left"
        case warning
    }

    public var kind: Kind
    public var time: Date
    /// A count that grows by one per event, so a reader sees what it missed.
    public var sequence: Int
    public var node: String?
    public var state: NodeState?
    /// Free text: the error of a failed node or reload, a warning.
    public var message: String?
    public var peer: PeerSnapshot?
    public var reload: ReloadRecord?

    public init(kind: Kind, time: Date = Date(), sequence: Int = 0, node: String? = nil, state: NodeState? = nil,
                message: String? = nil, peer: PeerSnapshot? = nil, reload: ReloadRecord? = nil) {
        self.kind = kind
        self.time = time
        self.sequence = sequence
        self.node = node
        self.state = state
        self.message = message
        self.peer = peer
        self.reload = reload
    }
}
