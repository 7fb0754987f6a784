import Synchronization

/// Why a frame was dropped on an edge.
public enum EdgeDropReason: String, Sendable, CaseIterable, Codable {
    /// A drop-oldest queue was full: its oldest frame made room for the newest.
    case queueFull = "queue_full"
    /// The consumer was not reading (failed, waiting to restart, stopped, not started yet).
    case consumerDown = "consumer_down"
    /// Frames left in an edge that a reload removed.
    case rewired
}

/// Counters of one edge.
public final class EdgeCounters: Sendable {
    /// All drops, whatever the reason.
    public let dropped = Atomic<Int>(0)
    public let depth = Atomic<Int>(0)
    public let maxDepth = Atomic<Int>(0)
    private let byReason: [Atomic<Int>.Cell]

    public init() { byReason = EdgeDropReason.allCases.map { _ in Atomic<Int>.Cell() } }

    func drop(_ n: Int = 1, _ reason: EdgeDropReason) {
        dropped.add(n, ordering: .relaxed)
        byReason[reason.index].value.add(n, ordering: .relaxed)
    }

    public func dropped(_ reason: EdgeDropReason) -> Int { byReason[reason.index].value.load(ordering: .relaxed) }

    public var drops: [String: Int] {
        var d: [String: Int] = [:]
        for r in EdgeDropReason.allCases { let n = dropped(r); if n > 0 { d[r.rawValue] = n } }
        return d
    }
}

extension EdgeDropReason {
    var index: Int { Self.allCases.firstIndex(of: self)! }
}

extension Atomic where Value == Int {
    /// An atomic with a heap address, for arrays of counters.
    final class Cell: Sendable {
        let value = Atomic<Int>(0)
    }
}

/// One edge: a bounded queue of frames from a producer to one consumer. The queue lives in the
/// consumer's `InputHub` and is guarded by the hub's lock, so the consumer can wait for any of
/// its inputs at once; the producer holds the edge and pushes into it. An edge outlives the
/// nodes at its ends while a reload replaces them, so an unchanged edge never loses or repeats a
/// frame.
public final class EdgeQueue: Sendable {
    /// The producer's name.
    public let from: String
    /// The consumer's name.
    public let to: String
    public let counters: EdgeCounters
    let hub: InputHub
    /// The key of this edge's queue in `hub`.
    let id: Int

    init(from: String, to: String, counters: EdgeCounters, hub: InputHub, id: Int) {
        self.from = from
        self.to = to
        self.counters = counters
        self.hub = hub
        self.id = id
    }

    /// Queues a frame; with `block` this waits for space.
    public func push(_ frame: Frame) { hub.push(frame, into: self) }

    public var settings: QueueSettings { hub.settings(of: self) }
}
