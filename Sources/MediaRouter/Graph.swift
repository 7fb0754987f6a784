/// When the runtime starts a node again after it fails or ends.
public struct RestartPolicy: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// A failure stops the graph.
        case never
        /// A failure restarts the node after a backoff; the rest of the graph keeps running.
        case onFailure = "on-failure"
        /// The node restarts whenever it ends, failure or not (a live source that disconnects).
        case always
    }

    public var mode: Mode
    /// Restarts allowed before giving up; nil means no limit.
    public var maxRestarts: Int?
    /// First wait before a restart, doubled each time up to `maxBackoff` (seconds).
    public var backoff: Double
    public var maxBackoff: Double

    public init(mode: Mode, maxRestarts: Int? = nil, backoff: Double = 1, maxBackoff: Double = 30) {
        self.mode = mode
        self.maxRestarts = maxRestarts
        self.backoff = backoff
        self.maxBackoff = maxBackoff
    }

    public static let never = RestartPolicy(mode: .never)

    /// Restarts after a permanent failure (`RouterError.isPermanent`) when `maxRestarts` sets
    /// no limit: a few, for a folder that was only briefly unusable, then the node fails.
    public static let permanentFailureRestarts = 3

    /// The restarts allowed after `failure`: `maxRestarts`, or for a permanent failure at most
    /// `permanentFailureRestarts`; nil means no limit.
    public func restartLimit(after failure: Error?) -> Int? {
        if let maxRestarts { return maxRestarts }
        if let error = failure as? RouterError, error.isPermanent { return Self.permanentFailureRestarts }
        return nil
    }

    public var description: String {
        if mode == .never { return "never" }
        return "\(mode.rawValue) (backoff \(formatDuration(backoff))..\(formatDuration(maxBackoff))\(maxRestarts.map { ", at most \($0) times" } ?? ""))"
    }
}

/// A node of a checked graph.
public struct GraphNode: Sendable {
    public var name: String
    public var plugin: any NodePlugin.Type
    public var options: NodeOptions
    public var location: SourceLocation
    public var restart: RestartPolicy
    /// True when the graph file gave the policy, false for the kind's default. A kind's default
    /// is for faults while running; a node that cannot start at launch is retried only when
    /// the graph asks for it, since that is most often a mistake in the file, better reported
    /// at once.
    public var restartIsExplicit = false
    /// Indexes into `Graph.edges`.
    public var inputEdges: [Int] = []
    public var outputEdges: [Int] = []
    public var accepts: Set<MediaKind> = []
    public var produces: Set<MediaKind> = []
    /// What the node holds exclusively (see `ResourceClaim`).
    public var claims: [ResourceClaim] = []

    public var kind: String { plugin.kind }
    public var role: NodeRole { plugin.role }
}

/// An edge of a checked graph: frames from `from` queue up for `to`.
public struct GraphEdge: Sendable {
    public var from: Int
    public var to: Int
    public var queue: QueueSettings
    public var location: SourceLocation
}

/// A graph that passed validation: nodes in an order where every producer comes before its
/// consumers.
public struct Graph: Sendable {
    public var name: String
    public var file: String
    public var nodes: [GraphNode]
    public var edges: [GraphEdge]
    /// The top-level `control:` section; nil when the file has none.
    public var control: ControlSettings? = nil

    public func node(named name: String) -> GraphNode? { nodes.first { $0.name == name } }

    public func index(of name: String) -> Int? { nodes.firstIndex { $0.name == name } }
}
