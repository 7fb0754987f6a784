import Synchronization

/// A fixed-capacity FIFO.
struct RingBuffer<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { storage = Array(repeating: nil, count: max(1, capacity)) }

    var capacity: Int { storage.count }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == storage.count }

    mutating func append(_ e: Element) {
        precondition(!isFull)
        storage[(head + count) % storage.count] = e
        count += 1
    }

    mutating func removeFirst() -> Element? {
        guard count > 0 else { return nil }
        let e = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return e
    }

    mutating func removeAll() {
        while removeFirst() != nil {}
    }

    var first: Element? { count > 0 ? storage[head] : nil }
}

/// Counters of one edge.
public final class EdgeCounters: Sendable {
    public let dropped = Atomic<Int>(0)
    public let depth = Atomic<Int>(0)
    public let maxDepth = Atomic<Int>(0)
    public init() {}
}

/// The input side of one node: a bounded queue per incoming edge, all behind one lock, so the
/// node can wait for a frame from any of its inputs.
public final class InputHub: @unchecked Sendable {
    // Safe: every mutable field is guarded by `cond`.
    struct Edge {
        var buffer: RingBuffer<Frame>
        var policy: QueuePolicy
        var open = true
        let counters: EdgeCounters
    }

    private let cond = ConditionLock()
    private var edges: [Edge] = []
    private var nextEdge = 0
    /// The consumer no longer reads (it ended, failed or is waiting to restart): frames are
    /// counted as dropped instead of queued, and blocked producers are released.
    private var discarding = false
    private var aborted = false
    /// Threads waiting in `cond`: a broadcast is only needed when someone waits, which saves a
    /// futex call per frame on both sides of every edge.
    private var waiters = 0

    /// Threads waiting for space or for a frame right now (for tests that must see a producer
    /// blocked rather than guess how long it takes to get there).
    var waitingThreads: Int { cond.withLock { waiters } }

    /// Set while the consumer polls `signal` beside its own descriptors instead of waiting here.
    private var armed = false
    private var signal: InputSignal?

    private func wakeWaiters() {
        if waiters > 0 { cond.broadcast() }
        if armed { armed = false; signal?.signal() }
    }

    /// The descriptor a consumer polls beside its own; made on first use.
    var signalDescriptor: Int32 {
        cond.withLock {
            if signal == nil { signal = InputSignal() }
            return signal!.readFD
        }
    }

    /// Arms the descriptor: false when a frame or the end is there now (nothing to wait for);
    /// true when the descriptor becomes readable at the next frame, end or wake.
    func armSignal() -> Bool {
        cond.withLock {
            if signal == nil { signal = InputSignal() }
            signal!.drain()
            if aborted || edges.contains(where: { !$0.buffer.isEmpty }) || edges.allSatisfy({ !$0.open }) {
                armed = false
                return false
            }
            armed = true
            return true
        }
    }

    private func waitLocked() {
        waiters += 1
        cond.wait()
        waiters -= 1
    }

    private func waitLocked(untilMonotonic deadline: Int64) {
        waiters += 1
        cond.wait(untilMonotonic: deadline)
        waiters -= 1
    }

    public init() {}

    /// Adds an edge and returns its index.
    func addEdge(_ settings: QueueSettings, counters: EdgeCounters) -> Int {
        cond.withLock {
            edges.append(Edge(buffer: RingBuffer(capacity: settings.size), policy: settings.policy, counters: counters))
            return edges.count - 1
        }
    }

    /// Queues a frame from the producer of edge `e`. With `block` this waits for space.
    func push(_ frame: Frame, edge e: Int) {
        cond.withLock {
            while true {
                if discarding || aborted || !edges[e].open {
                    edges[e].counters.dropped.add(1, ordering: .relaxed)
                    return
                }
                if !edges[e].buffer.isFull { break }
                switch edges[e].policy {
                case .dropOldest:
                    _ = edges[e].buffer.removeFirst()
                    edges[e].counters.dropped.add(1, ordering: .relaxed)
                case .block:
                    waitLocked()
                    continue
                }
            }
            edges[e].buffer.append(frame)
            let depth = edges[e].buffer.count
            edges[e].counters.depth.store(depth, ordering: .relaxed)
            if depth > edges[e].counters.maxDepth.load(ordering: .relaxed) {
                edges[e].counters.maxDepth.store(depth, ordering: .relaxed)
            }
            wakeWaiters()
        }
    }

    /// The producer of edge `e` ended: once its queue drains, that input is at its end.
    func finish(edge e: Int) {
        cond.withLock {
            edges[e].open = false
            cond.broadcast()
            if armed { armed = false; signal?.signal() }
        }
    }

    public enum Next {
        case frame(Frame, edge: Int)
        case timeout
        case end
    }

    /// Takes the next frame, fairly across inputs; `.end` once every input ended and drained.
    func next(deadline: Int64?) -> Next {
        cond.withLock {
            while true {
                if aborted { return .end }
                let n = edges.count
                for k in 0..<n {
                    let i = (nextEdge + k) % n
                    if let f = edges[i].buffer.removeFirst() {
                        nextEdge = (i + 1) % n
                        edges[i].counters.depth.store(edges[i].buffer.count, ordering: .relaxed)
                        wakeWaiters()
                        return .frame(f, edge: i)
                    }
                }
                if edges.allSatisfy({ !$0.open }) { return .end }
                if let deadline {
                    if Clock.monotonicNanoseconds() >= deadline { return .timeout }
                    waitLocked(untilMonotonic: deadline)
                } else {
                    waitLocked()
                }
            }
        }
    }

    /// While discarding, queued and arriving frames are dropped and counted; used when the
    /// consumer has ended or is waiting to restart.
    func setDiscarding(_ on: Bool) {
        cond.withLock {
            discarding = on
            if on {
                for i in edges.indices {
                    let n = edges[i].buffer.count
                    if n > 0 { edges[i].counters.dropped.add(n, ordering: .relaxed) }
                    edges[i].buffer.removeAll()
                    edges[i].counters.depth.store(0, ordering: .relaxed)
                }
            }
            cond.broadcast()
        }
    }

    /// Wakes every waiter for good: the graph is being torn down.
    func abort() {
        cond.withLock {
            aborted = true
            cond.broadcast()
            if armed { armed = false; signal?.signal() }
        }
    }

    /// Wakes a consumer blocked in `next` so it can notice a stop request.
    func wake() {
        cond.withLock {
            cond.broadcast()
            if armed { armed = false; signal?.signal() }
        }
    }
}
