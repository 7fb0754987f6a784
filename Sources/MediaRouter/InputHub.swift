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

/// The input side of one node: a bounded queue per incoming edge, all behind one lock, so the
/// node can wait for a frame from any of its inputs. The hub belongs to the node's supervisor
/// and outlives the node: while a reload replaces the node, frames wait here for the new one.
public final class InputHub: @unchecked Sendable {
    // Safe: every mutable field is guarded by `cond` (a pthread mutex and condition variable).
    struct Queue {
        var buffer: RingBuffer<Frame>
        var settings: QueueSettings
        var open = true
        let edge: EdgeQueue
    }

    private let cond = ConditionLock()
    /// Edges in the order they were added (reads go round-robin over them).
    private var order: [Int] = []
    private var queues: [Int: Queue] = [:]
    private var nextID = 0
    private var nextEdge = 0
    /// The consumer does not read (it ended, failed, is waiting to restart, or has not started):
    /// frames are counted as dropped instead of queued, and blocked producers are released.
    private var discarding = false
    /// The running node is being replaced or stopped: `next` reports the end to it while the
    /// queued frames stay for its successor.
    private var interrupted = false
    private var aborted = false
    /// Threads waiting in `cond`: a broadcast is only needed when someone waits, which saves a
    /// futex call per frame on both sides of every edge.
    private var waiters = 0
    /// Set while the consumer polls `signal` beside its own descriptors instead of waiting here.
    private var armed = false
    private var signal: WakePipe?

    /// Threads waiting for space or for a frame right now (for tests that must see a producer
    /// blocked rather than guess how long it takes to get there).
    var waitingThreads: Int { cond.withLock { waiters } }

    public init(discarding: Bool = false) { self.discarding = discarding }

    private func wakeWaiters() {
        if waiters > 0 { cond.broadcast() }
        if armed { armed = false; signal?.signal() }
    }

    private func wakeAll() {
        cond.broadcast()
        if armed { armed = false; signal?.signal() }
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

    /// Adds an edge from `from` and returns it; the producer pushes into it.
    func addEdge(from: String, to: String = "", _ settings: QueueSettings, counters: EdgeCounters = EdgeCounters()) -> EdgeQueue {
        cond.withLock {
            nextID += 1
            let edge = EdgeQueue(from: from, to: to, counters: counters, hub: self, id: nextID)
            queues[nextID] = Queue(buffer: RingBuffer(capacity: settings.size), settings: settings, edge: edge)
            order.append(nextID)
            return edge
        }
    }

    /// Removes an edge a reload no longer has: its queued frames are dropped (`rewired`) and a
    /// producer blocked on it is released.
    func removeEdge(_ edge: EdgeQueue) {
        cond.withLock {
            guard let q = queues.removeValue(forKey: edge.id) else { return }
            if q.buffer.count > 0 { edge.counters.drop(q.buffer.count, .rewired) }
            edge.counters.depth.store(0, ordering: .relaxed)
            order.removeAll { $0 == edge.id }
            if nextEdge >= order.count { nextEdge = 0 }
            wakeAll()
        }
    }

    /// Changes an edge's queue size or policy in place, keeping its frames (the oldest are
    /// dropped when the new size is smaller).
    func reconfigure(_ edge: EdgeQueue, _ settings: QueueSettings) {
        cond.withLock {
            guard var q = queues[edge.id] else { return }
            var buffer = RingBuffer<Frame>(capacity: settings.size)
            while let f = q.buffer.removeFirst() {
                if buffer.isFull {
                    _ = buffer.removeFirst()
                    edge.counters.drop(1, .rewired)
                }
                buffer.append(f)
            }
            q.buffer = buffer
            q.settings = settings
            queues[edge.id] = q
            wakeAll()
        }
    }

    func settings(of edge: EdgeQueue) -> QueueSettings {
        cond.withLock { queues[edge.id]?.settings ?? .live }
    }

    /// Every edge, in order.
    var edges: [EdgeQueue] { cond.withLock { order.compactMap { queues[$0]?.edge } } }

    /// Queues a frame from the producer of `edge`. With `block` this waits for space.
    func push(_ frame: Frame, into edge: EdgeQueue) {
        cond.withLock {
            while true {
                guard let q = queues[edge.id], q.open else {
                    edge.counters.drop(1, .rewired)
                    return
                }
                if discarding || aborted {
                    edge.counters.drop(1, .consumerDown)
                    return
                }
                if !q.buffer.isFull { break }
                switch q.settings.policy {
                case .dropOldest:
                    _ = queues[edge.id]!.buffer.removeFirst()
                    edge.counters.drop(1, .queueFull)
                case .block:
                    waitLocked()
                    continue
                }
            }
            queues[edge.id]!.buffer.append(frame)
            let depth = queues[edge.id]!.buffer.count
            edge.counters.depth.store(depth, ordering: .relaxed)
            if depth > edge.counters.maxDepth.load(ordering: .relaxed) {
                edge.counters.maxDepth.store(depth, ordering: .relaxed)
            }
            wakeWaiters()
        }
    }

    /// The producer of `edge` ended: once its queue drains, that input is at its end.
    func finish(_ edge: EdgeQueue) {
        cond.withLock {
            queues[edge.id]?.open = false
            wakeAll()
        }
    }

    public enum Next {
        case frame(Frame, edge: EdgeQueue)
        case timeout
        case end
    }

    private var atEnd: Bool {
        aborted || interrupted || (order.allSatisfy { queues[$0]?.open == false && queues[$0]?.buffer.isEmpty == true })
    }

    /// Takes the next frame, fairly across inputs; `.end` once every input ended and drained,
    /// or while the running node is being replaced.
    func next(deadline: Int64?) -> Next {
        cond.withLock {
            while true {
                if aborted || interrupted { return .end }
                let n = order.count
                for k in 0..<n {
                    let i = (nextEdge + k) % n
                    let id = order[i]
                    if let f = queues[id]!.buffer.removeFirst() {
                        nextEdge = (i + 1) % n
                        let edge = queues[id]!.edge
                        edge.counters.depth.store(queues[id]!.buffer.count, ordering: .relaxed)
                        wakeWaiters()
                        return .frame(f, edge: edge)
                    }
                }
                if order.allSatisfy({ queues[$0]?.open == false }) { return .end }
                if let deadline {
                    if Clock.monotonicNanoseconds() >= deadline { return .timeout }
                    waitLocked(untilMonotonic: deadline)
                } else {
                    waitLocked()
                }
            }
        }
    }

    /// The descriptor a consumer polls beside its own; made on first use.
    var signalDescriptor: Int32 {
        cond.withLock {
            if signal == nil { signal = WakePipe() }
            return signal!.readFD
        }
    }

    /// Arms the descriptor: false when a frame or the end is there now (nothing to wait for);
    /// true when the descriptor becomes readable at the next frame, end or wake.
    func armSignal() -> Bool {
        cond.withLock {
            if signal == nil { signal = WakePipe() }
            signal!.drain()
            if atEnd || order.contains(where: { queues[$0]?.buffer.isEmpty == false }) {
                armed = false
                return false
            }
            armed = true
            return true
        }
    }

    /// While discarding, queued and arriving frames are dropped and counted; used when the
    /// consumer has ended, failed or is waiting to restart.
    func setDiscarding(_ on: Bool) {
        cond.withLock {
            discarding = on
            if on {
                for id in order {
                    let n = queues[id]!.buffer.count
                    if n > 0 { queues[id]!.edge.counters.drop(n, .consumerDown) }
                    queues[id]!.buffer.removeAll()
                    queues[id]!.edge.counters.depth.store(0, ordering: .relaxed)
                }
            }
            wakeAll()
        }
    }

    /// Tells the running node its input has ended (it is being replaced or stopped), keeping
    /// the queued frames; `resume()` undoes it for the next node.
    func interrupt() {
        cond.withLock {
            interrupted = true
            wakeAll()
        }
    }

    func resume() { cond.withLock { interrupted = false } }

    /// Opens every edge again (a node that ended is started again by a reload).
    func reopen() {
        cond.withLock {
            for id in order { queues[id]!.open = true }
        }
    }

    /// Wakes every waiter for good: the graph is being torn down.
    func abort() {
        cond.withLock {
            aborted = true
            wakeAll()
        }
    }

    /// Drops every edge, breaking the edge↔hub references of a removed node.
    func detachAll() {
        cond.withLock {
            for id in order {
                let n = queues[id]!.buffer.count
                if n > 0 { queues[id]!.edge.counters.drop(n, .rewired) }
            }
            queues.removeAll()
            order.removeAll()
            aborted = true
            wakeAll()
        }
    }

    /// Wakes a consumer blocked in `next` so it can notice a stop request.
    func wake() { cond.withLock { wakeAll() } }
}
