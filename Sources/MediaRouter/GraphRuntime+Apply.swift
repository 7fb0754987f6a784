import Foundation

/// What applying a new graph did.
public struct ApplyResult: Sendable {
    public var plan: GraphPlan
    /// Nodes of the new graph that could not start, with the error; they wait in `failed` for
    /// the next reload, and the rest of the graph runs.
    public var startErrors: [(node: String, message: String)]
    /// From the call to the last new node running, in seconds.
    public var seconds: Double
}

extension GraphRuntime {
    /// Moves the running graph to `new`, a graph that passed validation, by node name: nodes
    /// whose kind, options and inputs are unchanged keep running untouched; changed nodes are
    /// replaced on their own thread without ending their consumers' streams; removed nodes drain
    /// and stop; added nodes start; edges are re-wired. Blocks until the new graph runs (call it
    /// on a dedicated thread, never on Swift's cooperative pool). One apply runs at a time.
    public func apply(_ new: Graph) -> ApplyResult {
        applyLock.withLock { _ in applyLocked(new) }
    }

    private func applyLocked(_ new: Graph) -> ApplyResult {
        let began = Clock.monotonicNanoseconds()
        let old = graph
        let plan = GraphPlan(from: old, to: new)
        guard !isStopping, !isFinished else {
            return ApplyResult(plan: plan, startErrors: [], seconds: 0)
        }
        var replaced: [String] = []
        var removed: [String] = []
        for step in plan.nodes {
            switch step.action {
            case .keep, .add: break
            case .replace: replaced.append(step.name)
            case .remove: removed.append(step.name)
            }
        }
        // A node that already ended (a source that reached its count) cannot be handed a new
        // spec: it is removed and added again.
        for name in replaced where supervisor(name)?.done.isSet ?? true {
            replaced.removeAll { $0 == name }
            removed.append(name)
        }

        // 1. Stop what goes away or changes, all at once.
        var handoffs: [String: Handoff] = [:]
        let w = wiringSnapshot
        for name in removed {
            guard let s = w.supervisors[name] else { continue }
            // No new frames reach it; what is queued drains, then its input ends.
            for (_, q) in w.edges where q.to == name {
                w.supervisors[q.from]?.outputs.remove(q)
                q.hub.finish(q)
            }
            s.stop(.drain)
            for tap in s.outputs.removeAllTaps() { tap.close() }
        }
        for name in replaced {
            guard let s = w.supervisors[name], let node = new.node(named: name) else { continue }
            let h = Handoff()
            handoffs[name] = h
            s.replace(with: spec(for: node, in: new), handoff: h)
        }
        let drain = drainTimeout, abort = abortTimeout
        for name in removed {
            guard let s = w.supervisors[name] else { continue }
            if !s.done.wait(timeout: drain) {
                logger.warning("removed node '\(name)' still draining after \(formatDuration(drain)): stopping it")
                s.stop(.now)
                if !s.done.wait(timeout: abort) {
                    logger.error("removed node '\(name)' did not stop; leaving it")
                    s.hub?.abort()
                }
            }
        }
        for name in replaced {
            guard let s = w.supervisors[name], let h = handoffs[name] else { continue }
            if !h.released.wait(timeout: drain) {
                logger.warning("node '\(name)' still finishing after \(formatDuration(drain)): stopping it")
                s.forceStopRunning()
                if !h.released.wait(timeout: abort) {
                    logger.error("node '\(name)' did not stop for its replacement")
                }
            }
        }

        // 2. Re-wire: drop removed nodes and edges, make new ones, update kept nodes' specs.
        let newKeys = Set(new.edges.map { Self.edgeKey(new.nodes[$0.from].name, new.nodes[$0.to].name) })
        updateWiring { w in
            for (key, q) in w.edges where !newKeys.contains(key) {
                w.supervisors[q.from]?.outputs.remove(q)
                q.hub.removeEdge(q)
                w.edges[key] = nil
            }
            for name in removed {
                if let s = w.supervisors.removeValue(forKey: name) {
                    s.hub?.detachAll()
                    if !s.done.isSet { w.leaving.append(s) }
                }
            }
            w.graph = new
        }
        let added = wire(new, discardingNewInputs: true)
        for node in new.nodes where !replaced.contains(node.name) {
            supervisor(node.name)?.update(spec(for: node, in: new))
        }

        // 3. Start replaced and added nodes, consumers first, each once the one before it has
        // started (receivers bind before senders connect).
        var startErrors: [(node: String, message: String)] = []
        let addedNames = Set(added.map(\.name))
        for node in new.nodes.reversed() {
            if let h = handoffs[node.name] {
                h.go.signal()
                h.started.wait()
                if let e = h.startError { startErrors.append((node.name, e)) }
            } else if addedNames.contains(node.name), let s = supervisor(node.name) {
                let h = Handoff()
                s.expectStart(h)
                s.launch(gate: .open())
                h.started.wait()
                if let e = h.startError { startErrors.append((node.name, e)) }
            }
        }
        return ApplyResult(plan: plan, startErrors: startErrors,
                           seconds: Double(Clock.monotonicNanoseconds() - began) / 1e9)
    }
}
