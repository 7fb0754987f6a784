import Foundation
import Logging
import Synchronization

/// What a supervisor runs: a node of the graph and what the runtime worked out about its
/// neighbours when it was planned.
struct NodeSpec: Sendable {
    var node: GraphNode
    var inputKinds: Set<MediaKind>
    var consumerAccepts: [Set<MediaKind>]
    var converters: [MediaKind: any FrameConverter]
}

/// How a supervisor's first start is coordinated with the rest of a launch: every node starts
/// (consumers first) before any runs.
final class LaunchGate: Sendable {
    let go = Event()
    let aborted = Atomic<Bool>(false)

    /// A gate that is open at once (nodes added by a reload).
    static func open() -> LaunchGate {
        let g = LaunchGate()
        g.go.signal()
        return g
    }
}

/// How a reload hands a supervisor over to a new spec: the supervisor says when the old node
/// has released what it held, waits for the reload's go (every old node of the reload has
/// released by then, so a port can move from one node to another), then says whether the new
/// node started.
final class Handoff: Sendable {
    let released = Event()
    let go = Event()
    let started = Event()
    private let error = Locked<String?>(nil)

    var startError: String? { error.value }

    func reportStarted(_ failure: Error?) {
        error.value = failure.map { "\($0)" }
        started.signal()
    }
}

/// Owns one node of the live graph for its whole life: its thread, its current spec, its state
/// machine and a command channel (replace with a new spec, stop with or without draining,
/// restart now) that may be used any number of times, from any thread. The node itself is made,
/// started, run and released on the supervisor's thread; other threads reach it only through
/// its `StopHandle`. The supervisor's input hub and outputs outlive the node, so replacing it
/// loses no queued frame and ends no stream.
final class NodeSupervisor: Sendable {
    enum StopMode: Sendable { case drain, now }

    struct State: Sendable {
        var spec: NodeSpec
        var state: NodeState = .starting
        var detail: String?
        var since = Date()
        var replacements = 0
        var restarts = 0
        /// A reload's new spec, taken when the running node has returned.
        var pending: NodeSpec?
        var pendingHandoff: Handoff?
        /// The handoff of the node being started now, told whether it started.
        var handoff: Handoff?
        var stop: StopMode?
        var restartNow = false
        /// The node running now: how to stop it, and its connection to the graph.
        var running: (stop: StopHandle, io: NodeIO)?
        /// Set when the first start has been reported to the launcher.
        var startReported = false
        var startError: (any Error)?
    }

    let name: String
    let counters = NodeCounters()
    let hub: InputHub?
    let outputs = OutputSet()
    let logger: Logger
    private let state: Locked<State>
    private let doorbell = Doorbell()
    /// Signalled once the first start has succeeded or failed.
    let started = Event()
    /// Signalled when the supervisor's thread has ended.
    let done = Event()
    private weak let runtime: GraphRuntime?

    init(spec: NodeSpec, runtime: GraphRuntime, logger: Logger, discardingInput: Bool) {
        name = spec.node.name
        state = Locked(State(spec: spec))
        hub = spec.node.role == .source ? nil : InputHub(discarding: discardingInput)
        self.runtime = runtime
        var log = logger
        log[metadataKey: "node"] = "\(spec.node.name)"
        self.logger = log
    }

    var spec: NodeSpec { state.withLock { $0.spec } }

    /// The graph is stopping (or its runtime is gone).
    private var graphStopping: Bool { runtime?.isStopping ?? true }
    var current: State { state.value }
    var startError: (any Error)? { state.withLock { $0.startError } }

    /// Starts the supervisor's thread. `gate` holds the node between its start and its run.
    func launch(gate: LaunchGate) {
        startThread(name: "node:\(name)", stackSize: 4 << 20) { [self] in
            self.main(gate: gate)
            self.done.signal()
            self.runtime?.supervisorEnded(self)
        }
    }

    // MARK: Commands (any thread)

    /// Replaces the node with one made from `spec`: the running node is asked to end (a source
    /// is stopped; other nodes see the end of their input, the queued frames staying for the
    /// new node), and the new one starts on the same thread with the same edges.
    func replace(with spec: NodeSpec, handoff: Handoff) {
        let handle = state.withLock { s -> StopHandle? in
            s.pending = spec
            s.pendingHandoff?.released.signal()
            s.pendingHandoff = handoff
            s.running?.io.requestStop()
            return s.running?.stop
        }
        if spec.node.role == .source { handle?.stop() }
        doorbell.ring()
    }

    /// Stops the node. `.drain` lets a consumer finish what its input holds (its input edges
    /// must be finished by the caller); `.now` asks it to end at once. Either way it does not
    /// start again.
    func stop(_ mode: StopMode) {
        let handle = state.withLock { s -> StopHandle? in
            if s.stop != .now { s.stop = mode }
            if mode == .now { s.running?.io.requestStop() }
            // A node waiting to be handed over stops instead.
            s.handoff?.go.signal()
            return s.running?.stop
        }
        if mode == .now || spec.node.role == .source {
            handle?.stop()
        }
        hub?.wake()
        doorbell.ring()
    }

    /// Takes a new spec for a node that a reload keeps (its neighbours changed, not the node):
    /// nothing restarts.
    func update(_ spec: NodeSpec) { state.withLock { $0.spec = spec } }

    /// Asks the running node to end at once (its drain took too long).
    func forceStopRunning() {
        let handle = state.withLock { s -> StopHandle? in
            s.running?.io.requestStop()
            return s.running?.stop
        }
        handle?.stop()
        hub?.wake()
    }

    /// Ends a supervisor whose thread never started (its launch was aborted).
    func discard() {
        setState(.stopped)
        done.signal()
        runtime?.supervisorEnded(self)
    }

    /// Makes the first start report to `handoff` (a node a reload adds).
    func expectStart(_ handoff: Handoff) { state.withLock { $0.handoff = handoff } }

    /// Ends a back-off early.
    func restartNow() {
        state.withLock { $0.restartNow = true }
        doorbell.ring()
    }

    // MARK: The supervisor's thread

    private func setState(_ new: NodeState, _ detail: String? = nil) {
        let changed = state.withLock { s -> Bool in
            let changed = s.state != new || s.detail != detail
            s.state = new
            s.detail = detail
            if changed { s.since = Date() }
            return changed
        }
        if changed { runtime?.nodeStateChanged(name, new, detail) }
    }

    private func makeIO(_ spec: NodeSpec) -> NodeIO {
        NodeIO(name: name, logger: logger, counters: counters, hub: hub, outputs: outputs,
               accepts: spec.node.accepts, converters: spec.converters)
    }

    private func context(_ spec: NodeSpec) -> NodeContext {
        NodeContext(name: name, options: spec.node.options, logger: logger, counters: counters,
                    inputKinds: spec.inputKinds, consumerAccepts: spec.consumerAccepts)
    }

    private enum Next {
        case replace(Handoff?)
        case stop
        case proceed
    }

    /// Takes a pending command: a new spec first, then a stop.
    private func takeCommand() -> Next {
        state.withLock { s in
            if let p = s.pending {
                s.pending = nil
                s.spec = p
                s.replacements += 1
                let h = s.pendingHandoff
                s.pendingHandoff = nil
                s.handoff = h
                return .replace(h)
            }
            return s.stop != nil ? .stop : .proceed
        }
    }

    /// The old node has ended: say so and wait for the reload's go.
    /// Returns false when the supervisor was told to stop meanwhile.
    private func handOver(_ h: Handoff?) -> Bool {
        if let h {
            setState(.starting, "replaced")
            h.released.signal()
            h.go.wait()
        }
        if state.withLock({ $0.stop != nil }) || graphStopping {
            state.withLock { $0.handoff = nil }
            h?.reportStarted(RouterError(.startFailed, "the node was stopped before its replacement started"))
            return false
        }
        return true
    }

    /// Waits, doing nothing, for a command (a failed node waits for a reload to fix it).
    /// Returns false when the supervisor should end.
    private func park() -> Next {
        while true {
            if graphStopping { return .stop }
            let next = takeCommand()
            if case .proceed = next {
                doorbell.wait(timeout: 3600)
                continue
            }
            return next
        }
    }

    private func main(gate: LaunchGate) {
        var firstStart = true
        var restarts = 0
        var backoff = spec.node.restart.backoff
        var retrying = false
        outer: while true {
            let spec = self.spec
            let policy = spec.node.restart
            setState(retrying ? .restarting : .starting, retrying ? "starting again" : nil)
            let io = makeIO(spec)
            var node: (any Node)?
            var failure: Error?
            do {
                let n = try spec.node.plugin.make(context(spec))
                try n.start()
                node = n
            } catch {
                failure = error
                counters.errors.add(1, ordering: .relaxed)
            }
            let failedToStart = failure != nil
            let handoff = state.withLock { s -> Handoff? in
                defer { s.handoff = nil }
                return s.handoff
            }
            if let handoff {
                let retries = policy.mode != .never && spec.node.restartIsExplicit
                if let failure, !retries {
                    // A reload's node that cannot start leaves the rest running and waits for
                    // the next reload to fix it.
                    logger.error("node '\(name)' failed to start: \(failure)")
                    setState(.failed, "failed to start: \(failure)")
                    handoff.reportStarted(failure)
                    firstStart = false
                    switch park() {
                    case .replace(let h):
                        if !handOver(h) { break outer }
                        continue outer
                    default: break outer
                    }
                }
                handoff.reportStarted(failure)
                firstStart = false
            }
            if firstStart {
                firstStart = false
                let retries = policy.mode != .never && spec.node.restartIsExplicit
                if let failure, !retries {
                    // Not started: the launcher (or the reload) reports it.
                    state.withLock { $0.startError = failure }
                    setState(.failed, "failed to start: \(failure)")
                    started.signal()
                    break outer
                }
                started.signal()
                gate.go.wait()
                if gate.aborted.load(ordering: .acquiring) {
                    node?.stopHandle.stop()
                    setState(.stopped)
                    break outer
                }
            }

            var ranFor = 0.0
            if let node {
                // Honour a command that came while the node was starting: a stop during a
                // restart stops the new node too.
                let interrupted = state.withLock { s -> Bool in
                    if s.pending != nil || s.stop == .now { return true }
                    s.running = (node.stopHandle, io)
                    hub?.resume()
                    return false
                }
                let sourceStopped = spec.node.role == .source && (graphStopping || state.withLock({ $0.stop != nil }))
                if !interrupted && !sourceStopped {
                    hub?.setDiscarding(false)
                    setState(.running)
                    let began = Clock.monotonicNanoseconds()
                    do { try node.run(io) } catch { failure = error }
                    ranFor = Double(Clock.monotonicNanoseconds() - began) / 1e9
                    state.withLock { $0.running = nil }
                } else {
                    // Told to stop or change while it started: it does not run.
                    node.stopHandle.stop()
                }
            }
            // The node is released here, on its own thread, before another is made: a new node
            // can bind the port the old one held.
            node = nil

            switch takeCommand() {
            case .replace(let h):
                if let failure { logger.info("replaced node ended with: \(failure)") }
                if !handOver(h) { break outer }
                retrying = false
                restarts = 0
                backoff = self.spec.node.restart.backoff
                continue outer
            case .stop:
                if let failure { logger.warning("node '\(name)' ended with an error while stopping: \(failure)") }
                break outer
            case .proceed:
                break
            }
            if graphStopping || io.isStopping {
                if let failure { logger.warning("node '\(name)' ended with an error while stopping: \(failure)") }
                break outer
            }
            let wantRestart = (failure != nil && policy.mode != .never) || (failure == nil && policy.mode == .always)
            if !wantRestart {
                if let failure {
                    setState(.failed, "\(failure)")
                    runtime?.reportFailure(name, failure)
                }
                break outer
            }
            if ranFor > max(10, policy.maxBackoff) {
                // A long healthy run earns a fresh budget.
                restarts = 0
                backoff = policy.backoff
            }
            if let limit = policy.restartLimit(after: failure), restarts >= limit {
                let f = failure ?? RouterError(.nodeFailed, "ended")
                setState(.failed, "\(f) (gave up after \(restarts) restarts)")
                runtime?.reportFailure(name, f, extra: " (gave up after \(restarts) restarts)")
                break outer
            }
            hub?.setDiscarding(true)
            restarts += 1
            counters.add("restarts")
            state.withLock { $0.restarts += 1 }
            let why = failure.map { "\(failedToStart ? "failed to start" : "failed"): \($0)" } ?? "ended"
            logger.warning("node '\(name)' \(why); restarting in \(formatDuration(backoff)) (restart \(restarts)\(policy.restartLimit(after: failure).map { " of \($0)" } ?? ""))")
            setState(.restarting, "\(why); next try in \(formatDuration(backoff))")
            let deadline = Clock.monotonicNanoseconds() + Int64(backoff * 1e9)
            while Clock.monotonicNanoseconds() < deadline {
                if graphStopping { break outer }
                let command = state.withLock { s -> Bool in s.pending != nil || s.stop != nil || s.restartNow }
                if command { break }
                doorbell.wait(timeout: Double(deadline - Clock.monotonicNanoseconds()) / 1e9)
            }
            state.withLock { $0.restartNow = false }
            if graphStopping { break outer }
            switch takeCommand() {
            case .replace(let h):
                if !handOver(h) { break outer }
                restarts = 0
                backoff = self.spec.node.restart.backoff
                retrying = false
                continue outer
            case .stop: break outer
            case .proceed: break
            }
            backoff = min(backoff * 2, policy.maxBackoff)
            retrying = true
        }
        // This node reads no more: release producers waiting on its queues, then end its outputs.
        hub?.setDiscarding(true)
        for edge in outputs.edges { edge.hub.finish(edge) }
        if current.state != .failed { setState(.stopped) }
    }
}
