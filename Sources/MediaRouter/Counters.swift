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
    /// Capture-to-output latency, as a histogram.
    public let latency = LatencyRecorder()
    /// The node's connected peers (network nodes).
    public let peers = PeerTable()
    private let extras = Mutex<[String: Int]>([:])
    /// Names in `extras` that are levels (`set`) or drop reasons (`countDropped(reason:)`).
    private let gaugeNames = Mutex<Set<String>>([])
    private let dropReasons = Mutex<Set<String>>([])
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
        if let reason {
            dropReasons.withLock { _ = $0.insert(reason) }
            add(reason, n)
        }
    }

    /// Records one end-to-end latency sample in nanoseconds.
    public func recordLatency(nanoseconds: Int64) {
        guard nanoseconds >= 0, nanoseconds < 3_600_000_000_000 else { return }
        latency.record(nanoseconds: nanoseconds)
    }

    public var averageLatencyMilliseconds: Double? { latency.snapshot.mean.map { $0 * 1e3 } }

    /// A named counter for things particular to a node kind ("malformed", "reconnects", ...).
    public func add(_ name: String, _ n: Int = 1) {
        extras.withLock { $0[name, default: 0] += n }
    }

    /// A level that goes up and down ("peers"): a gauge in snapshots.
    public func set(_ name: String, _ value: Int) {
        gaugeNames.withLock { _ = $0.insert(name) }
        extras.withLock { $0[name] = value }
    }

    public func extra(_ name: String) -> Int { extras.withLock { $0[name] ?? 0 } }

    public var extraCounters: [String: Int] { extras.withLock { $0 } }

    /// A short text the summary shows, such as the file a recorder writes.
    public func note(_ name: String, _ text: String) {
        notes.withLock { $0[name] = text }
    }

    public var allNotes: [String: String] { notes.withLock { $0 } }

    /// The kind's own counts split three ways: monotonic counters, levels, and drops by reason.
    var split: (counters: [String: Int], gauges: [String: Double], drops: [String: Int]) {
        let all = extraCounters
        let gauges = gaugeNames.withLock { $0 }
        let reasons = dropReasons.withLock { $0 }
        var c: [String: Int] = [:], g: [String: Double] = [:], d: [String: Int] = [:]
        for (k, v) in all {
            if gauges.contains(k) { g[k] = Double(v) } else if reasons.contains(k) { d[k] = v } else { c[k] = v }
        }
        return (c, g, d)
    }
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
