/// What replacing a running graph with a new one does, node by node, matched by node name: keep,
/// replace (and why), add, remove; plus the edges to re-wire. `media-router plan` prints it, the
/// control plane returns it for a dry run, and a reload logs it before applying it.
///
/// How a runtime applies a plan:
/// - A kept node keeps running untouched, its queues included. When its producer is replaced,
///   the kept node does nothing: its input queue stays open (no end of stream reaches it) and
///   the new producer writes into the same queue, keyed by the edge's names. When a producer is
///   kept and a consumer is added or removed, only the edge is attached or detached.
/// - A replaced node is stopped and a new one made from the new graph; the edges into and out
///   of it keep their queues (unless `edges` lists them), so its consumers see no end of stream.
/// - A removed node drains and stops; its edges are in `edges` as removed. An added node starts;
///   its edges are in `edges` as added.
/// - A resource claim (a port) may move from a node that stops to one that starts: stop before
///   starting.
///
/// A plan never holds option values that may be secret: reasons name options, and show old and
/// new values only for options whose type cannot hold text (numbers, booleans, choices, durations,
/// sizes, frame rates).
public struct GraphPlan: Sendable, Equatable, Codable {
    /// One entry for each node name in either graph: the new graph's order, then removed nodes in
    /// the old graph's order.
    public var nodes: [NodeStep]
    /// The edges, keyed by node names, that a runtime must add, remove or change; edges that stay
    /// as they are (including those of replaced nodes) are not listed.
    public var edges: [EdgeChange]

    public init(nodes: [NodeStep], edges: [EdgeChange]) {
        self.nodes = nodes
        self.edges = edges
    }

    /// True when applying the plan would change nothing.
    public var isEmpty: Bool { edges.isEmpty && nodes.allSatisfy { $0.action == .keep } }

    /// What happens to one node.
    public struct NodeStep: Sendable, Equatable, Codable {
        public var name: String
        /// The node's kind in the new graph, or in the old one for a removed node.
        public var kind: String
        public var action: Action

        public init(name: String, kind: String, action: Action) {
            self.name = name
            self.kind = kind
            self.action = action
        }

        enum CodingKeys: String, CodingKey { case name, kind, action, reasons }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            kind = try c.decode(String.self, forKey: .kind)
            switch try c.decode(String.self, forKey: .action) {
            case "keep": action = .keep
            case "replace": action = .replace(try c.decode([Reason].self, forKey: .reasons))
            case "add": action = .add
            case "remove": action = .remove
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .action, in: c, debugDescription: "unknown plan action '\(other)'")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(kind, forKey: .kind)
            try c.encode(action.name, forKey: .action)
            if case .replace(let reasons) = action { try c.encode(reasons, forKey: .reasons) }
        }
    }

    public enum Action: Sendable, Equatable {
        /// Kind, options, inputs and restart policy are unchanged: the node keeps running.
        case keep
        /// The node is stopped and made again from the new graph, for these reasons.
        case replace([Reason])
        case add
        case remove

        /// The action as JSON names it.
        public var name: String {
            switch self {
            case .keep: return "keep"
            case .replace: return "replace"
            case .add: return "add"
            case .remove: return "remove"
            }
        }
    }

    /// Why a node is replaced.
    public enum Reason: Sendable, Equatable, Codable, CustomStringConvertible {
        case kindChanged(from: String, to: String)
        /// Written in the new graph only; `value` only when it cannot be a secret.
        case optionAdded(name: String, value: String?)
        /// Written in the old graph only.
        case optionRemoved(name: String)
        /// A different value; `from` and `to` only when they cannot be secrets.
        case optionChanged(name: String, from: String?, to: String?)
        case inputAdded(name: String)
        case inputRemoved(name: String)
        /// The same inputs in another order (a node may treat its first input specially).
        case inputsReordered(from: [String], to: [String])
        case inputQueueChanged(input: String, from: QueueSettings, to: QueueSettings)
        /// What the inputs carry changed (an upstream node now sends JPEG): nodes set themselves
        /// up for their input formats when they are made.
        case inputFormatsChanged(from: [MediaKind], to: [MediaKind])
        case restartChanged(from: RestartPolicy, to: RestartPolicy)

        public var description: String {
            switch self {
            case .kindChanged(let from, let to): return "kind \(from)→\(to)"
            case .optionAdded(let name, let value): return "option \(name) added" + (value.map { " (\($0))" } ?? "")
            case .optionRemoved(let name): return "option \(name) removed"
            case .optionChanged(let name, let from, let to):
                if let from, let to { return "option \(name) changed (\(from)→\(to))" }
                return "option \(name) changed"
            case .inputAdded(let name): return "input \(name) added"
            case .inputRemoved(let name): return "input \(name) removed"
            case .inputsReordered(let from, let to):
                return "inputs reordered (\(from.joined(separator: ", "))→\(to.joined(separator: ", ")))"
            case .inputQueueChanged(let input, let from, let to):
                return "queue from \(input) \(from.policy.rawValue) \(from.size)→\(to.policy.rawValue) \(to.size)"
            case .inputFormatsChanged(let from, let to):
                func names(_ kinds: [MediaKind]) -> String { kinds.isEmpty ? "none" : kinds.map(\.rawValue).joined(separator: ", ") }
                return "input formats \(names(from))→\(names(to))"
            case .restartChanged(let from, let to): return "restart policy \(from)→\(to)"
            }
        }
    }

    /// An edge to re-wire, named by its producer and consumer.
    public struct EdgeChange: Sendable, Equatable, Codable {
        public var from: String
        public var to: String
        public var change: Change

        public enum Change: Sendable, Equatable, Codable {
            case added(queue: QueueSettings)
            case removed
            case queueChanged(from: QueueSettings, to: QueueSettings)
        }

        public init(from: String, to: String, change: Change) {
            self.from = from
            self.to = to
            self.change = change
        }

        /// "from→to", the edge's key.
        public var name: String { "\(from)→\(to)" }
    }
}

// MARK: - Computing a plan

extension GraphPlan {
    /// The plan that turns `old` (the running graph) into `new`.
    public init(from old: Graph, to new: Graph) {
        var steps: [NodeStep] = []
        for node in new.nodes {
            guard let before = old.node(named: node.name) else {
                steps.append(NodeStep(name: node.name, kind: node.kind, action: .add))
                continue
            }
            let reasons = GraphPlan.reasons(old: before, in: old, new: node, in: new)
            steps.append(NodeStep(name: node.name, kind: node.kind, action: reasons.isEmpty ? .keep : .replace(reasons)))
        }
        for node in old.nodes where new.node(named: node.name) == nil {
            steps.append(NodeStep(name: node.name, kind: node.kind, action: .remove))
        }

        let oldEdges = GraphPlan.namedEdges(old)
        let newEdges = GraphPlan.namedEdges(new)
        var changes: [EdgeChange] = []
        for e in newEdges {
            if let was = oldEdges.first(where: { $0.from == e.from && $0.to == e.to }) {
                if was.queue != e.queue { changes.append(EdgeChange(from: e.from, to: e.to, change: .queueChanged(from: was.queue, to: e.queue))) }
            } else {
                changes.append(EdgeChange(from: e.from, to: e.to, change: .added(queue: e.queue)))
            }
        }
        for e in oldEdges where !newEdges.contains(where: { $0.from == e.from && $0.to == e.to }) {
            changes.append(EdgeChange(from: e.from, to: e.to, change: .removed))
        }
        self.init(nodes: steps, edges: changes)
    }

    static func namedEdges(_ graph: Graph) -> [(from: String, to: String, queue: QueueSettings)] {
        graph.edges.map { (graph.nodes[$0.from].name, graph.nodes[$0.to].name, $0.queue) }
    }

    static func inputs(of node: GraphNode, in graph: Graph) -> [(name: String, queue: QueueSettings)] {
        node.inputEdges.map { (graph.nodes[graph.edges[$0].from].name, graph.edges[$0].queue) }
    }

    /// What the node's inputs may carry, as the runtime hands it to the plugin when making the node.
    static func inputKinds(of node: GraphNode, in graph: Graph) -> [MediaKind] {
        var kinds = Set<MediaKind>()
        for e in node.inputEdges { kinds.formUnion(graph.nodes[graph.edges[e].from].produces) }
        return kinds.sorted { $0.rawValue < $1.rawValue }
    }

    static func reasons(old: GraphNode, in oldGraph: Graph, new: GraphNode, in newGraph: Graph) -> [Reason] {
        var reasons: [Reason] = []
        let kindChanged = old.kind != new.kind
        if kindChanged {
            reasons.append(.kindChanged(from: old.kind, to: new.kind))
        } else {
            reasons += optionReasons(old: old.options, new: new.options)
        }

        let before = inputs(of: old, in: oldGraph)
        let after = inputs(of: new, in: newGraph)
        let beforeNames = before.map(\.name), afterNames = after.map(\.name)
        for name in beforeNames where !afterNames.contains(name) { reasons.append(.inputRemoved(name: name)) }
        for name in afterNames where !beforeNames.contains(name) { reasons.append(.inputAdded(name: name)) }
        if beforeNames.filter(afterNames.contains) != afterNames.filter(beforeNames.contains) {
            reasons.append(.inputsReordered(from: beforeNames, to: afterNames))
        }
        for input in after {
            if let was = before.first(where: { $0.name == input.name }), was.queue != input.queue {
                reasons.append(.inputQueueChanged(input: input.name, from: was.queue, to: input.queue))
            }
        }

        if !kindChanged {
            let kindsBefore = inputKinds(of: old, in: oldGraph), kindsAfter = inputKinds(of: new, in: newGraph)
            if kindsBefore != kindsAfter { reasons.append(.inputFormatsChanged(from: kindsBefore, to: kindsAfter)) }
            if old.restart != new.restart { reasons.append(.restartChanged(from: old.restart, to: new.restart)) }
        }
        return reasons
    }

    /// Compares what the node is made from: each option's value (paths as they resolve, since a
    /// file moved to another folder resolves relative paths elsewhere) and whether it was written,
    /// since plugins may act on an option being given even when it equals the default.
    static func optionReasons(old: NodeOptions, new: NodeOptions) -> [Reason] {
        var names = new.specs.map(\.name)
        for name in Set(old.values.keys).union(new.values.keys).union(old.written.keys).union(new.written.keys).sorted()
        where !names.contains(name) {
            names.append(name)
        }
        var reasons: [Reason] = []
        for name in names {
            let type = new.specs.first { $0.name == name }?.type ?? old.specs.first { $0.name == name }?.type
            let before = comparable(old, name, type), after = comparable(new, name, type)
            let wasWritten = old.isSet(name), isWritten = new.isSet(name)
            if wasWritten == isWritten && before == after { continue }
            let shown = type.map(showsValues) ?? false
            if isWritten && !wasWritten {
                reasons.append(.optionAdded(name: name, value: shown ? new[name]?.description : nil))
            } else if wasWritten && !isWritten {
                reasons.append(.optionRemoved(name: name))
            } else {
                reasons.append(.optionChanged(name: name, from: shown ? old[name]?.description : nil,
                                              to: shown ? new[name]?.description : nil))
            }
        }
        return reasons
    }

    /// An option's value as the node would use it: path options resolved against the graph
    /// file's folder.
    static func comparable(_ options: NodeOptions, _ name: String, _ type: OptionType?) -> OptionValue? {
        guard let value = options[name] else { return nil }
        guard let type, isPath(type) else { return value }
        switch value {
        case .string(let s): return .string(options.resolvePath(s))
        case .list(let items):
            return .list(items.map { if case .string(let s) = $0 { return .string(options.resolvePath(s)) } else { return $0 } })
        default: return value
        }
    }

    static func isPath(_ type: OptionType) -> Bool {
        switch type {
        case .path: return true
        case .named(_, let t), .list(let t): return isPath(t)
        // A string given to an option that may be a path is taken as one.
        case .oneOf(let ts): return ts.contains(where: isPath)
        default: return false
        }
    }

    /// Whether values of this type may be printed: types that cannot carry free text, so never a
    /// secret (passwords, keys and tokens are strings, paths or JSON).
    static func showsValues(_ type: OptionType) -> Bool {
        switch type {
        case .bool, .int, .double, .choice, .duration, .byteSize, .framerate: return true
        case .string, .path, .stringMap, .json: return false
        case .named(_, let t), .list(let t): return showsValues(t)
        case .oneOf(let ts): return ts.allSatisfy(showsValues)
        }
    }
}

// MARK: - Text

extension GraphPlan {
    /// One line a node (`keep     camera`, `restart  jpeg: option quality changed (85→70)`,
    /// `add      archive2 (gst.record)`, `remove   old (frame.discard)`), then `summary`.
    public var text: String {
        var lines: [String] = []
        for step in nodes {
            switch step.action {
            case .keep: lines.append("keep     \(step.name)")
            case .replace(let reasons): lines.append("restart  \(step.name): \(GraphPlan.describe(reasons))")
            case .add: lines.append("add      \(step.name) (\(step.kind))")
            case .remove: lines.append("remove   \(step.name) (\(step.kind))")
            }
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    /// "1 to restart, 1 to add, 1 to remove, 3 kept", or "nothing changes (3 kept)".
    public var summary: String {
        var replaced = 0, added = 0, removed = 0, kept = 0
        for step in nodes {
            switch step.action {
            case .keep: kept += 1
            case .replace: replaced += 1
            case .add: added += 1
            case .remove: removed += 1
            }
        }
        if isEmpty { return "nothing changes (\(kept) kept)" }
        var parts: [String] = []
        if replaced > 0 { parts.append("\(replaced) to restart") }
        if added > 0 { parts.append("\(added) to add") }
        if removed > 0 { parts.append("\(removed) to remove") }
        parts.append("\(kept) kept")
        return parts.joined(separator: ", ")
    }

    /// The reasons of one node, joined; one input swapped for another reads `input camera→scaled`.
    static func describe(_ reasons: [Reason]) -> String {
        var parts = reasons.map(\.description)
        let removed = reasons.compactMap { if case .inputRemoved(let n) = $0 { return n } else { return nil } }
        let added = reasons.compactMap { if case .inputAdded(let n) = $0 { return n } else { return nil } }
        if removed.count == 1, added.count == 1,
           let at = reasons.firstIndex(where: { if case .inputRemoved = $0 { return true } else { return false } }) {
            parts[at] = "input \(removed[0])→\(added[0])"
            parts.remove(at: reasons.firstIndex { if case .inputAdded = $0 { return true } else { return false } }!)
        }
        return parts.joined(separator: ", ")
    }
}
