import Foundation
import Logging
import Synchronization

/// Runs a checked graph and changes it while it runs: one supervisor (and thread) per node, a
/// bounded queue per edge keyed by the names at its ends, end of stream flowing downstream, a
/// graceful stop that lets recorders finalize their files, and `apply(_:)` to move to a new
/// graph without touching the nodes that stay the same.
public final class GraphRuntime: Sendable {
    public let registry: NodeRegistry
    let logger: Logger
    private let settings = Mutex((drain: 10.0, abort: 5.0))
    /// How long nodes get to drain their queues after the sources stop, before they are told to
    /// stop too.
    public var drainTimeout: Double {
        get { settings.withLock { $0.drain } }
        set { settings.withLock { $0.drain = newValue } }
    }
    /// How long stopped nodes get to return before the runtime gives up on them.
    public var abortTimeout: Double {
        get { settings.withLock { $0.abort } }
        set { settings.withLock { $0.abort = newValue } }
    }

    struct Wiring: Sendable {
        var graph: Graph
        /// Supervisors by node name.
        var supervisors: [String: NodeSupervisor] = [:]
        /// Edges by "from\u{0}to".
        var edges: [String: EdgeQueue] = [:]
        /// Supervisors of removed nodes that have not ended yet.
        var leaving: [NodeSupervisor] = []
    }

    private let wiring: Locked<Wiring>
    /// One reload at a time.
    let applyLock = Mutex(())
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = Event()
    private let failuresLock = Locked<[(node: String, message: String)]>([])
    private let stuckLock = Locked<[String]>([])
    private let startTime = Atomic<Int64>(0)
    let startDate = Locked(Date())
    /// Node state changes, peers joining and leaving; read by the control plane.
    public let events: GraphEvents

    public init(graph: Graph, registry: NodeRegistry, logger: Logger, events: GraphEvents = GraphEvents()) {
        self.registry = registry
        self.logger = logger
        self.events = events
        wiring = Locked(Wiring(graph: graph))
    }

    /// The graph running now.
    public var graph: Graph { wiring.withLock { $0.graph } }

    /// Nodes that failed, with what went wrong.
    public var failures: [(node: String, message: String)] { failuresLock.value }
    /// Nodes that did not return after being told to stop.
    public var stuckNodes: [String] { stuckLock.value }
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    // MARK: Specs

    func spec(for node: GraphNode, in graph: Graph) -> NodeSpec {
        var inputKinds = Set<MediaKind>()
        for e in node.inputEdges { inputKinds.formUnion(graph.nodes[graph.edges[e].from].produces) }
        let consumers = node.outputEdges.map { graph.nodes[graph.edges[$0].to].accepts }
        var converters: [MediaKind: any FrameConverter] = [:]
        for k in MediaKind.allCases where !node.accepts.contains(k) {
            if let c = registry.converter(from: k, to: node.accepts) { converters[k] = c }
        }
        return NodeSpec(node: node, inputKinds: inputKinds, consumerAccepts: consumers, converters: converters)
    }

    static func edgeKey(_ from: String, _ to: String) -> String { from + "\u{0}" + to }

    /// Makes the supervisors and edges of `graph` that do not exist yet; returns the new
    /// supervisors in graph order.
    func wire(_ graph: Graph, discardingNewInputs: Bool) -> [NodeSupervisor] {
        wiring.withLock { w in
            var made: [NodeSupervisor] = []
            for node in graph.nodes where w.supervisors[node.name] == nil {
                let s = NodeSupervisor(spec: spec(for: node, in: graph), runtime: self, logger: logger,
                                       discardingInput: discardingNewInputs)
                s.counters.peers.observe { [events] kind, peer in
                    events.post(GraphEvent(kind: kind, node: node.name, peer: peer))
                }
                w.supervisors[node.name] = s
                made.append(s)
            }
            for edge in graph.edges {
                let from = graph.nodes[edge.from].name, to = graph.nodes[edge.to].name
                let key = Self.edgeKey(from, to)
                if let existing = w.edges[key] {
                    if existing.settings != edge.queue { existing.hub.reconfigure(existing, edge.queue) }
                    continue
                }
                guard let consumer = w.supervisors[to]?.hub, let producer = w.supervisors[from] else { continue }
                let q = consumer.addEdge(from: from, to: to, edge.queue)
                w.edges[key] = q
                producer.outputs.add(q)
            }
            return made
        }
    }

    // MARK: Launch

    /// Makes every node and acquires their resources, consumers first. Throws a `RouterError`
    /// naming the node that could not start; nodes already started are stopped again.
    public func start() throws {
        precondition(!started.exchange(true, ordering: .acquiringAndReleasing), "a runtime starts once")
        let graph = self.graph
        let supervisors = wire(graph, discardingNewInputs: false)
        let gate = LaunchGate()
        launchGate.value = gate
        // Start consumers first so that receivers are bound before senders connect. Each node
        // starts on its own thread and later runs on that same thread, so resources with
        // thread affinity (ZeroMQ sockets) live and die on one thread.
        var launched: [NodeSupervisor] = []
        for s in supervisors.reversed() {
            s.launch(gate: gate)
            launched.append(s)
            s.started.wait()
            if let error = s.startError {
                gate.aborted.store(true, ordering: .releasing)
                gate.go.signal()
                for l in launched { l.done.wait(timeout: abortTimeout) }
                // Nodes that never got a thread end here, so the graph counts as finished.
                for n in supervisors where !launched.contains(where: { $0 === n }) { n.discard() }
                let node = s.spec.node
                throw RouterError(.startFailed, "node '\(node.name)' (\(node.kind)) failed to start", cause: error)
            }
        }
    }

    private let launchGate = Locked<LaunchGate?>(nil)

    /// Lets every started node run, and returns at once.
    public func launch() {
        startTime.store(Clock.monotonicNanoseconds(), ordering: .releasing)
        startDate.value = Date()
        launchGate.value?.go.signal()
    }

    /// Called by a supervisor whose thread has ended: the graph has finished when every
    /// node's supervisor has ended.
    func supervisorEnded(_ ended: NodeSupervisor) {
        let all = wiring.withLock { w -> [NodeSupervisor] in
            w.leaving.removeAll { $0 === ended }
            return Array(w.supervisors.values) + w.leaving
        }
        if all.allSatisfy({ $0.done.isSet }) { finished.signal() }
    }

    func nodeStateChanged(_ name: String, _ state: NodeState, _ detail: String?) {
        events.post(GraphEvent(kind: .nodeState, node: name, state: state, message: detail))
    }

    func reportFailure(_ name: String, _ error: Error, extra: String = "") {
        let message = "\(error)\(extra)"
        failuresLock.withLock { $0.append((name, message)) }
        logger.error("node '\(name)' failed: \(message)")
        let counters = wiring.withLock { $0.supervisors[name]?.counters }
        counters?.errors.add(1, ordering: .relaxed)
        // The summary's details then say which node failed and why, beside its counters.
        counters?.note("failed", message)
        stop()
    }

    // MARK: Stop

    /// Stops the graph gracefully: sources stop, queues drain, outputs finalize. Returns at once;
    /// use `wait` to know when it is over. Safe to call more than once and from any thread.
    public func stop() {
        if stopping.exchange(true, ordering: .acquiringAndReleasing) { return }
        // Stopping a source may block (a GStreamer state change): never on the caller's thread,
        // which may be one of Swift's cooperative pool.
        startThread(name: "graph-drain") { [self] in
            let all = self.wiring.withLock { w in Array(w.supervisors.values) + w.leaving }
            for s in all where s.spec.node.role == .source { s.stop(.now) }
            for s in all { s.restartNow() }
            let drain = self.drainTimeout, abort = self.abortTimeout
            if self.finished.wait(timeout: drain) { return }
            let late = self.lateSupervisors()
            self.logger.warning("still draining after \(formatDuration(drain)): stopping \(late.map(\.name).sorted().joined(separator: ", "))")
            for s in late { s.stop(.now) }
            if self.finished.wait(timeout: abort) { return }
            let stuck = self.lateSupervisors().map(\.name).sorted()
            self.stuckLock.value = stuck
            self.logger.error("nodes did not stop: \(stuck.joined(separator: ", ")); giving up on them")
            for s in self.lateSupervisors() { s.hub?.abort() }
            self.finished.signal()
        }
    }

    private func lateSupervisors() -> [NodeSupervisor] {
        wiring.withLock { w in (Array(w.supervisors.values) + w.leaving).filter { !$0.done.isSet } }
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
    public var elapsed: Double {
        let t = startTime.load(ordering: .acquiring)
        return t == 0 ? 0 : Double(Clock.monotonicNanoseconds() - t) / 1e9
    }

    // MARK: Access

    func supervisor(_ name: String) -> NodeSupervisor? { wiring.withLock { $0.supervisors[name] } }

    var wiringSnapshot: Wiring { wiring.value }

    func updateWiring<R: Sendable>(_ body: (inout Wiring) -> R) -> R { wiring.withLock { body(&$0) } }

    /// The counters of a node, for tests and tools.
    public func counters(of name: String) -> NodeCounters? { supervisor(name)?.counters }

    /// An extra reader on `node`'s output (see `FrameTap`).
    public func tap(_ node: String) throws -> FrameTap {
        guard let s = supervisor(node) else {
            throw RouterError(.badInput, "no node named '\(node)' in the running graph")
        }
        let outputs = s.outputs
        let tap = FrameTap(node: node) { outputs.remove($0) }
        outputs.add(tap)
        return tap
    }
}
