import Foundation

/// The running graph at one moment: what the status line, the summary, the stats file and the
/// control plane all read. Counters only grow for the life of the node's supervisor (a
/// replaced node's counters go on); gauges are levels that go up and down.
public struct GraphSnapshot: Sendable, Codable, Equatable {
    public var graph: String
    public var file: String
    public var startedAt: Date
    public var uptimeSeconds: Double
    public var stopping: Bool
    public var nodes: [NodeSnapshot]
    public var edges: [EdgeSnapshot]
    public var reloads: ReloadStats

    public init(graph: String, file: String, startedAt: Date, uptimeSeconds: Double, stopping: Bool,
                nodes: [NodeSnapshot], edges: [EdgeSnapshot], reloads: ReloadStats) {
        self.graph = graph
        self.file = file
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.stopping = stopping
        self.nodes = nodes
        self.edges = edges
        self.reloads = reloads
    }

    public func node(_ name: String) -> NodeSnapshot? { nodes.first { $0.name == name } }
}

public struct NodeSnapshot: Sendable, Codable, Equatable {
    public var name: String
    public var kind: String
    public var role: String
    public var state: NodeState
    /// The error of a failed node, the back-off of a restarting one.
    public var detail: String?
    /// When the node entered `state`.
    public var since: Date
    /// Times a reload replaced this node with a new spec.
    public var replacements: Int
    /// Times the node was started again after failing or ending.
    public var restarts: Int
    /// The node's options as written, with secrets and key material left out.
    public var options: [String: JSONValue]
    /// The names of the nodes feeding this one.
    public var inputs: [String]
    /// Monotonic counts: `frames_in`, `frames_out`, `bytes_in`, `bytes_out`, `dropped`, `lost`,
    /// `errors`, and the kind's own (`handshakes`, `reconnects`, ...).
    public var counters: [String: Int]
    /// Frames dropped by the node itself, by reason.
    public var drops: [String: Int]
    /// Levels: `peers`, `segment_bytes`, ...
    public var gauges: [String: Double]
    public var latency: LatencyHistogram?
    /// Short texts: the file being written, the last error.
    public var notes: [String: String]
    public var peers: [PeerSnapshot]

    public init(name: String, kind: String, role: String, state: NodeState, detail: String? = nil, since: Date,
                replacements: Int = 0, restarts: Int = 0, options: [String: JSONValue] = [:], inputs: [String] = [],
                counters: [String: Int] = [:], drops: [String: Int] = [:], gauges: [String: Double] = [:],
                latency: LatencyHistogram? = nil, notes: [String: String] = [:], peers: [PeerSnapshot] = []) {
        self.name = name
        self.kind = kind
        self.role = role
        self.state = state
        self.detail = detail
        self.since = since
        self.replacements = replacements
        self.restarts = restarts
        self.options = options
        self.inputs = inputs
        self.counters = counters
        self.drops = drops
        self.gauges = gauges
        self.latency = latency
        self.notes = notes
        self.peers = peers
    }
}

public struct EdgeSnapshot: Sendable, Codable, Equatable {
    public var from: String
    public var to: String
    public var queueSize: Int
    public var policy: QueuePolicy
    public var depth: Int
    public var maxDepth: Int
    /// Frames dropped on this edge, by reason: `queue_full` (drop-oldest), `consumer_down`
    /// (the consumer was failing, restarting or stopped), `rewired` (left in a removed edge).
    public var drops: [String: Int]

    public init(from: String, to: String, queueSize: Int, policy: QueuePolicy, depth: Int, maxDepth: Int, drops: [String: Int]) {
        self.from = from
        self.to = to
        self.queueSize = queueSize
        self.policy = policy
        self.depth = depth
        self.maxDepth = maxDepth
        self.drops = drops
    }
}
