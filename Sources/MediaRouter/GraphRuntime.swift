import Foundation
import Logging
import Synchronization

/// Runs a checked graph: one thread per node, a bounded queue per edge, end of stream flowing
/// downstream, and a graceful stop that lets recorders finalize their files.
public final class GraphRuntime: @unchecked Sendable {
    // Safe: `slots` is written during `start()` before any node thread exists and only read
    // afterwards; per-node mutable state lives in `NodeSlot`, guarded by its own lock.
    public let graph: Graph
    public let registry: NodeRegistry
    let logger: Logger
    /// How long nodes get to drain their queues after the sources stop, before they are told to
    /// stop too.
    public var drainTimeout: Double = 10
    /// How long stopped nodes get to return before the runtime gives up on them.
    public var abortTimeout: Double = 5

    final class NodeSlot: @unchecked Sendable {
        // Safe: `node` is replaced only by the node's own thread (on restart) under `lock`, and
        // read by others under `lock`.
        let index: Int
        let io: NodeIO
        let counters: NodeCounters
        let hub: InputHub?
        let inputEdgeCounters: [EdgeCounters]
        let lock = NSLock()
        var node: (any Node)?
        let done = Event()
        let restartWake = Event()
        let started = Event()
        var startError: Error?

        init(index: Int, io: NodeIO, counters: NodeCounters, hub: InputHub?, inputEdgeCounters: [EdgeCounters]) {
            self.index = index
            self.io = io
            self.counters = counters
            self.hub = hub
            self.inputEdgeCounters = inputEdgeCounters
        }

        var current: (any Node)? {
            lock.lock(); defer { lock.unlock() }
            return node
        }

        func replace(_ n: (any Node)?) {
            lock.lock(); node = n; lock.unlock()
        }
    }

    private var slots: [NodeSlot] = []
    private let stopping = Atomic<Bool>(false)
    private let launchAborted = Atomic<Bool>(false)
    private let go = Event()
    private let finished = Event()
    private let failuresLock = Locked<[(node: String, message: String)]>([])
    private let stuckLock = Locked<[String]>([])
    private var started = false
    private var startTime: Int64 = 0

    public init(graph: Graph, registry: NodeRegistry, logger: Logger) {
        self.graph = graph
        self.registry = registry
        self.logger = logger
    }

    /// Nodes that failed, with what went wrong.
    public var failures: [(node: String, message: String)] { failuresLock.value }
    /// Nodes that did not return after being told to stop.
    public var stuckNodes: [String] { stuckLock.value }
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Makes every node and acquires their resources, consumers first. Throws a `RouterError`
    /// naming the node that could not start; nodes already started are stopped again.
    public func start() throws {
        precondition(!started, "a runtime starts once")
        started = true
        var hubs: [InputHub?] = []
        var edgeCounters: [EdgeCounters] = graph.edges.map { _ in EdgeCounters() }
        var edgeSlots: [(hub: InputHub, index: Int)?] = Array(repeating: nil, count: graph.edges.count)
        for node in graph.nodes {
            if node.inputEdges.isEmpty { hubs.append(nil); continue }
            let hub = InputHub()
            for e in node.inputEdges {
                let idx = hub.addEdge(graph.edges[e].queue, counters: edgeCounters[e])
                edgeSlots[e] = (hub, idx)
            }
            hubs.append(hub)
        }
        _ = edgeCounters
        edgeCounters = edgeCounters.map { $0 }
        for (i, node) in graph.nodes.enumerated() {
            let counters = NodeCounters()
            var log = logger
            log[metadataKey: "node"] = "\(node.name)"
            var converters: [MediaKind: any FrameConverter] = [:]
            for k in MediaKind.allCases where !node.accepts.contains(k) {
                if let c = registry.converter(from: k, to: node.accepts) { converters[k] = c }
            }
            let outputs = node.outputEdges.map { (hub: edgeSlots[$0]!.hub, edge: edgeSlots[$0]!.index) }
            let io = NodeIO(name: node.name, logger: log, counters: counters, hub: hubs[i], outputs: outputs,
                            accepts: node.accepts, converters: converters)
            slots.append(NodeSlot(index: i, io: io, counters: counters, hub: hubs[i],
                                  inputEdgeCounters: node.inputEdges.map { edgeCounters[$0] }))
        }
        // Make in order, then start consumers first so that receivers are bound before senders
        // connect. Each node starts on its own thread and later runs on that same thread, so
        // resources with thread affinity (ZeroMQ sockets) live and die on one thread.
        for (i, node) in graph.nodes.enumerated() {
            do {
                slots[i].replace(try node.plugin.make(context(for: i)))
            } catch {
                throw RouterError(.startFailed, "node '\(node.name)' (\(node.kind)): \(error)")
            }
        }
        for i in graph.nodes.indices.reversed() {
            let slot = slots[i]
            let name = graph.nodes[i].name
            startThread(name: "node:\(name)", stackSize: 4 << 20) { [self] in
                self.nodeThread(slot)
            }
            slot.started.wait()
            if let error = slot.startError {
                abortLaunch()
                throw RouterError(.startFailed, "node '\(name)' (\(graph.nodes[i].kind)) failed to start: \(error)")
            }
        }
    }

    /// Releases the threads of nodes that started, after another node failed to start.
    private func abortLaunch() {
        launchAborted.store(true, ordering: .releasing)
        go.signal()
        for slot in slots where slot.started.isSet { slot.done.wait(timeout: abortTimeout) }
    }

    private func nodeThread(_ slot: NodeSlot) {
        let gnode = graph.nodes[slot.index]
        var launchFailure: Error?
        do {
            try slot.current?.start()
        } catch {
            guard gnode.restart.mode != .never, gnode.restartIsExplicit else {
                slot.startError = error
                slot.started.signal()
                slot.done.signal()
                return
            }
            // The graph asked for restarts: a node that cannot start yet (its port still in use,
            // its camera not plugged in) is retried with back-off like one that failed running,
            // and the rest of the graph starts meanwhile.
            launchFailure = error
            slot.replace(nil)
            slot.counters.errors.add(1, ordering: .relaxed)
        }
        slot.started.signal()
        go.wait()
        if launchAborted.load(ordering: .acquiring) {
            slot.current?.stopHandle.stop()
            slot.done.signal()
            return
        }
        runNode(slot, launchFailure: launchFailure)
    }

    func context(for i: Int) -> NodeContext {
        let node = graph.nodes[i]
        var inputKinds = Set<MediaKind>()
        for e in node.inputEdges { inputKinds.formUnion(graph.nodes[graph.edges[e].from].produces) }
        let consumers = node.outputEdges.map { graph.nodes[graph.edges[$0].to].accepts }
        return NodeContext(name: node.name, options: node.options, logger: slots[i].io.logger,
                           counters: slots[i].counters, inputKinds: inputKinds, consumerAccepts: consumers)
    }

    /// Lets every started node run, and returns at once.
    public func launch() {
        startTime = Clock.monotonicNanoseconds()
        go.signal()
        startThread(name: "graph-monitor") { [self] in
            for s in self.slots { s.done.wait() }
            self.finished.signal()
        }
    }

    private func runNode(_ slot: NodeSlot, launchFailure: Error? = nil) {
        let gnode = graph.nodes[slot.index]
        let policy = gnode.restart
        var restarts = 0
        var backoff = policy.backoff
        var pendingLaunchFailure = launchFailure
        while true {
            var failure: Error?
            var failedToStart = false
            let began = Clock.monotonicNanoseconds()
            if let launchFailure = pendingLaunchFailure {
                failure = launchFailure
                failedToStart = true
                pendingLaunchFailure = nil
            } else if let node = slot.current {
                do { try node.run(slot.io) } catch { failure = error }
            }
            let ranFor = Double(Clock.monotonicNanoseconds() - began) / 1e9
            if isStopping || slot.io.isStopping {
                if let failure { logger.warning("node '\(gnode.name)' ended with an error while stopping: \(failure)") }
                break
            }
            let wantRestart = (failure != nil && policy.mode != .never) || (failure == nil && policy.mode == .always)
            if !wantRestart {
                if let failure { reportFailure(gnode.name, failure) }
                break
            }
            if ranFor > max(10, policy.maxBackoff) {
                // A long healthy run earns a fresh budget.
                restarts = 0
                backoff = policy.backoff
            }
            if let limit = policy.restartLimit(after: failure), restarts >= limit {
                reportFailure(gnode.name, failure ?? RouterError(.nodeFailed, "ended"), extra: " (gave up after \(restarts) restarts)")
                break
            }
            slot.hub?.setDiscarding(true)
            var attemptFailure = failure
            var restarted = false
            while !isStopping {
                restarts += 1
                slot.counters.add("restarts")
                let why = attemptFailure.map { "\(failedToStart ? "failed to start" : "failed"): \($0)" } ?? "ended"
                logger.warning("node '\(gnode.name)' \(why); restarting in \(formatDuration(backoff)) (restart \(restarts)\(policy.restartLimit(after: attemptFailure).map { " of \($0)" } ?? ""))")
                slot.restartWake.wait(timeout: backoff)
                backoff = min(backoff * 2, policy.maxBackoff)
                if isStopping { break }
                do {
                    let node = try gnode.plugin.make(context(for: slot.index))
                    try node.start()
                    slot.replace(node)
                    restarted = true
                    break
                } catch {
                    attemptFailure = error
                    failedToStart = true
                    slot.counters.errors.add(1, ordering: .relaxed)
                    if let limit = policy.restartLimit(after: error), restarts >= limit { break }
                }
            }
            if !restarted {
                if !isStopping {
                    reportFailure(gnode.name, attemptFailure ?? RouterError(.nodeFailed, "could not restart"), extra: " (gave up after \(restarts) restarts)")
                }
                break
            }
            slot.hub?.setDiscarding(false)
        }
        // This node reads no more: release producers waiting on its queues, then end its outputs.
        slot.hub?.setDiscarding(true)
        for e in gnode.outputEdges {
            let edge = graph.edges[e]
            slots[edge.to].hub?.finish(edge: graph.nodes[edge.to].inputEdges.firstIndex(of: e)!)
        }
        slot.done.signal()
    }

    private func reportFailure(_ name: String, _ error: Error, extra: String = "") {
        let message = "\(error)\(extra)"
        failuresLock.withLock { $0.append((name, message)) }
        logger.error("node '\(name)' failed: \(message)")
        let counters = slots.first { graph.nodes[$0.index].name == name }?.counters
        counters?.errors.add(1, ordering: .relaxed)
        // The summary's details then say which node failed and why, beside its counters.
        counters?.note("failed", message)
        stop()
    }

    /// Stops the graph gracefully: sources stop, queues drain, outputs finalize. Returns at once;
    /// use `wait` to know when it is over. Safe to call more than once and from any thread.
    public func stop() {
        if stopping.exchange(true, ordering: .acquiringAndReleasing) { return }
        for slot in slots where graph.nodes[slot.index].role == .source {
            slot.io.stopping.store(true, ordering: .releasing)
            slot.restartWake.signal()
            slot.current?.stopHandle.stop()
        }
        for slot in slots { slot.restartWake.signal() }
        startThread(name: "graph-drain") { [self] in
            if self.finished.wait(timeout: self.drainTimeout) { return }
            let late = self.slots.filter { !$0.done.isSet }
            self.logger.warning("still draining after \(formatDuration(self.drainTimeout)): stopping \(late.map { self.graph.nodes[$0.index].name }.joined(separator: ", "))")
            for slot in late {
                slot.io.stopping.store(true, ordering: .releasing)
                slot.current?.stopHandle.stop()
                slot.hub?.wake()
            }
            if self.finished.wait(timeout: self.abortTimeout) { return }
            let stuck = self.slots.filter { !$0.done.isSet }.map { self.graph.nodes[$0.index].name }
            self.stuckLock.value = stuck
            self.logger.error("nodes did not stop: \(stuck.joined(separator: ", ")); giving up on them")
            for slot in self.slots { slot.hub?.abort() }
            self.finished.signal()
        }
    }

    /// Blocks the calling thread (never a cooperative-pool thread) until every node ended.
    public func wait() { finished.wait() }

    @discardableResult
    public func wait(timeout: Double) -> Bool { finished.wait(timeout: timeout) }

    /// Suspends until every node ended, without blocking a cooperative-pool thread.
    public func waitUntilFinished() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            startThread(name: "graph-wait") { [self] in
                self.finished.wait()
                c.resume()
            }
        }
    }

    public var isFinished: Bool { finished.isSet }

    /// Seconds since launch.
    public var elapsed: Double { startTime == 0 ? 0 : Double(Clock.monotonicNanoseconds() - startTime) / 1e9 }

    public func stats() -> [NodeStats] {
        slots.map { slot in
            let n = graph.nodes[slot.index]
            let c = slot.counters
            let edgeDrops = slot.inputEdgeCounters.reduce(0) { $0 + $1.dropped.load(ordering: .relaxed) }
            return NodeStats(name: n.name, kind: n.kind,
                             framesIn: c.framesIn.load(ordering: .relaxed), framesOut: c.framesOut.load(ordering: .relaxed),
                             bytesIn: c.bytesIn.load(ordering: .relaxed), bytesOut: c.bytesOut.load(ordering: .relaxed),
                             dropped: c.dropped.load(ordering: .relaxed) + edgeDrops, lost: c.lost.load(ordering: .relaxed),
                             errors: c.errors.load(ordering: .relaxed), averageLatencyMilliseconds: c.averageLatencyMilliseconds,
                             extras: c.extraCounters, notes: c.allNotes)
        }
    }

    /// The counters of a node, for tests and tools.
    public func counters(of name: String) -> NodeCounters? {
        guard let i = graph.index(of: name) else { return nil }
        return slots[i].counters
    }
}
