import Logging

/// Where a node sits in a graph.
public enum NodeRole: String, Sendable, CaseIterable {
    /// Makes frames; takes no input (a camera, a NetGear receiver).
    case source
    /// Takes frames and passes frames on.
    case transform
    /// Takes frames and sends or stores them (a NetGear sender, a recording).
    case sink
}

/// What a full queue does when its producer has another frame.
public enum QueuePolicy: String, Sendable, Codable, CaseIterable {
    /// The producer waits: nothing is lost (the default into recordings).
    case block
    /// The oldest queued frame is dropped and counted: the freshest frame wins (the default into
    /// live network outputs, so a slow client never stalls the camera).
    case dropOldest = "drop-oldest"
}

/// The queue on one edge.
public struct QueueSettings: Sendable, Equatable, Codable, CustomStringConvertible {
    public var size: Int
    public var policy: QueuePolicy

    public init(size: Int, policy: QueuePolicy) {
        self.size = size
        self.policy = policy
    }

    public static let live = QueueSettings(size: 4, policy: .dropOldest)
    public static let lossless = QueueSettings(size: 64, policy: .block)

    public var description: String { "\(policy.rawValue), \(size)" }
}

/// Checks that need more than one node's options.
public struct ValidationContext: Sendable {
    /// The kinds of media each input of this node may carry.
    public var inputKinds: Set<MediaKind>
    /// The node names feeding this node.
    public var inputNames: [String]
    /// What the consumers of this node accept, one set per consumer.
    public var consumerAccepts: [Set<MediaKind>]

    public init(inputKinds: Set<MediaKind>, inputNames: [String], consumerAccepts: [Set<MediaKind>]) {
        self.inputKinds = inputKinds
        self.inputNames = inputNames
        self.consumerAccepts = consumerAccepts
    }
}

/// Everything a plugin gets when the runtime makes one of its nodes.
public struct NodeContext: Sendable {
    public var name: String
    public var options: NodeOptions
    public var logger: Logger
    public var counters: NodeCounters
    public var inputKinds: Set<MediaKind>
    public var consumerAccepts: [Set<MediaKind>]

    public init(name: String, options: NodeOptions, logger: Logger, counters: NodeCounters,
                inputKinds: Set<MediaKind>, consumerAccepts: [Set<MediaKind>]) {
        self.name = name
        self.options = options
        self.logger = logger
        self.counters = counters
        self.inputKinds = inputKinds
        self.consumerAccepts = consumerAccepts
    }

    /// True when at least one consumer takes only pixels, so compressed frames must be decoded.
    public var someConsumerNeedsPixels: Bool { consumerAccepts.contains { !$0.contains(.jpeg) && $0.contains(.raw) } }
}

/// A node kind: its name, options and formats, and how to make a node of it. Every plugin is
/// compiled in and listed once in `BuiltInPlugins`.
public protocol NodePlugin: Sendable {
    /// The name graph files use in `kind:`, such as `gst.capture`.
    static var kind: String { get }
    /// One line for `media-router plugins`.
    static var summary: String { get }
    static var role: NodeRole { get }
    static var options: [OptionSpec] { get }
    /// The queue each input of this kind gets unless the graph says otherwise.
    static var defaultInputQueue: QueueSettings { get }
    /// What this node accepts on its inputs, given its options.
    static func accepts(_ options: NodeOptions) -> Set<MediaKind>
    /// What this node emits, given its options and what its inputs may carry.
    static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind>
    /// Checks that need the plugin's own knowledge (option combinations, element names, paths).
    static func validate(_ options: NodeOptions, context: ValidationContext, into diagnostics: inout Diagnostics)
    /// What a node of this kind holds exclusively (a port it binds, ...), given its checked
    /// options; the loader reports two nodes claiming the same resource.
    static func claims(_ options: NodeOptions) -> [ResourceClaim]
    static func make(_ context: NodeContext) throws -> any Node
}

extension NodePlugin {
    public static var defaultInputQueue: QueueSettings { .live }
    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> { role == .source ? [] : [.raw] }
    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> {
        role == .sink ? [] : inputKinds
    }
    public static func validate(_ options: NodeOptions, context: ValidationContext, into diagnostics: inout Diagnostics) {}
    public static func claims(_ options: NodeOptions) -> [ResourceClaim] { [] }
}

/// A running node. `run` blocks on its own thread, never on Swift's cooperative pool. The node
/// is made, started, run and released on that one thread, so it need not be `Sendable`: other
/// threads reach it only through its `stopHandle`.
public protocol Node: AnyObject {
    /// Acquires what the node needs before any node runs (binds sockets, opens files, builds
    /// pipelines). Called for consumers before producers, so receivers are ready first, and on
    /// the node's own thread: the same thread then calls `run`, so thread-bound resources such
    /// as ZeroMQ sockets live and die on one thread.
    func start() throws
    /// The node's loop. Sources return when they end or are stopped; other nodes return when
    /// `io.receive()` reports the end of the stream. Returning ends this node's outputs.
    func run(_ io: NodeIO) throws
    /// Asks the node to end soon and cleanly; wakes any call it is blocked in. Used from another
    /// thread: on sources at shutdown or when they are replaced, and on every node whose drain
    /// takes too long.
    var stopHandle: StopHandle { get }
}

extension Node {
    public func start() throws {}
}

/// A node whose whole state is thread-safe gets its stop handle from `stop()`.
public protocol SendableNode: Node, Sendable {
    func stop()
}

extension SendableNode {
    public func stop() {}
    public var stopHandle: StopHandle { StopHandle { [self] in self.stop() } }
}

/// Converts frames between media kinds on an edge whose consumer cannot take what its producer
/// sends (JPEG from a NetGear receiver into a node that needs pixels, for example).
public protocol FrameConverter: Sendable {
    var from: MediaKind { get }
    var to: MediaKind { get }
    func convert(_ frame: Frame) throws -> Frame
}
