import Synchronization

/// Where a node's frames go: its output edges and any taps. Owned by the node's supervisor, so
/// a replaced node's successor sends to the same edges; a reload adds and removes edges while
/// frames flow.
public final class OutputSet: Sendable {
    private struct Targets {
        var edges: [EdgeQueue] = []
        var taps: [FrameTap] = []
    }

    private let targets = Mutex(Targets())

    public init() {}

    /// Sends a frame to every edge (each edge's policy decides whether this waits) and offers it
    /// to every tap (which never waits).
    func send(_ frame: Frame) {
        let t = targets.withLock { $0 }
        for e in t.edges { e.push(frame) }
        for tap in t.taps { tap.offer(frame) }
    }

    var edges: [EdgeQueue] { targets.withLock { $0.edges } }
    var isEmpty: Bool { targets.withLock { $0.edges.isEmpty } }
    var tapCount: Int { targets.withLock { $0.taps.count } }

    func add(_ edge: EdgeQueue) { targets.withLock { $0.edges.append(edge) } }

    func remove(_ edge: EdgeQueue) { targets.withLock { $0.edges.removeAll { $0 === edge } } }

    func add(_ tap: FrameTap) { targets.withLock { $0.taps.append(tap) } }

    func remove(_ tap: FrameTap) { targets.withLock { $0.taps.removeAll { $0 === tap } } }

    /// Detaches and returns every tap (the node is gone).
    func removeAllTaps() -> [FrameTap] {
        targets.withLock { t in
            defer { t.taps.removeAll() }
            return t.taps
        }
    }
}
