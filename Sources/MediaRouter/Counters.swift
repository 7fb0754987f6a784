import Synchronization

/// Counters of one node, updated from its thread and read by the status printer.
public final class NodeCounters: Sendable {
    public let framesIn = Atomic<Int>(0)
    public let framesOut = Atomic<Int>(0)
    public let bytesIn = Atomic<Int>(0)
    public let bytesOut = Atomic<Int>(0)
    /// Frames this node dropped itself (malformed input, a full socket, a failed decode, ...).
    public let dropped = Atomic<Int>(0)
    /// Frames lost upstream, seen as gaps in sequence numbers.
    public let lost = Atomic<Int>(0)
    public let errors = Atomic<Int>(0)
    let latencyTotal = Atomic<Int>(0)
    let latencyCount = Atomic<Int>(0)
    private let extras = Mutex<[String: Int]>([:])
    private let notes = Mutex<[String: String]>([:])

    public init() {}

    public func countIn(bytes: Int) {
        framesIn.add(1, ordering: .relaxed)
        bytesIn.add(bytes, ordering: .relaxed)
    }

    public func countOut(bytes: Int) {
        framesOut.add(1, ordering: .relaxed)
        bytesOut.add(bytes, ordering: .relaxed)
    }

    public func countDropped(_ n: Int = 1, reason: String? = nil) {
        dropped.add(n, ordering: .relaxed)
        if let reason { add(reason, n) }
    }

    /// Records one end-to-end latency sample in nanoseconds.
    public func recordLatency(nanoseconds: Int64) {
        guard nanoseconds >= 0, nanoseconds < 3_600_000_000_000 else { return }
        latencyTotal.add(Int(nanoseconds), ordering: .relaxed)
        latencyCount.add(1, ordering: .relaxed)
    }

    public var averageLatencyMilliseconds: Double? {
        let n = latencyCount.load(ordering: .relaxed)
        guard n > 0 else { return nil }
        return Double(latencyTotal.load(ordering: .relaxed)) / Double(n) / 1e6
    }

    /// A named counter for things particular to a node kind ("malformed", "reconnects", ...).
    public func add(_ name: String, _ n: Int = 1) {
        extras.withLock { $0[name, default: 0] += n }
    }

    public func set(_ name: String, _ value: Int) {
        extras.withLock { $0[name] = value }
    }

    public func extra(_ name: String) -> Int { extras.withLock { $0[name] ?? 0 } }

    public var extraCounters: [String: Int] { extras.withLock { $0 } }

    /// A short text the summary shows, such as the file a recorder writes.
    public func note(_ name: String, _ text: String) {
        notes.withLock { $0[name] = text }
    }

    public var allNotes: [String: String] { notes.withLock { $0 } }
}

/// A snapshot of one node's counters, for status lines, summaries and tests.
public struct NodeStats: Sendable {
    public var name: String
    public var kind: String
    public var framesIn: Int
    public var framesOut: Int
    public var bytesIn: Int
    public var bytesOut: Int
    /// Drops by the node itself plus drops on its input queues.
    public var dropped: Int
    public var lost: Int
    public var errors: Int
    public var averageLatencyMilliseconds: Double?
    public var extras: [String: Int]
    public var notes: [String: String] = [:]
}
