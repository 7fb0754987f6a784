import Foundation
import Yams

/// Reads graph files, checks them completely, and reports every problem at once with its place.
public struct GraphLoader: Sendable {
    public let registry: NodeRegistry

    /// Keys every node has, whatever its kind.
    public static let reservedNodeKeys: Set<String> = ["kind", "input", "inputs", "queue", "restart", "description"]
    public static let topLevelKeys = ["name", "description", "nodes", "control"]
    /// Larger files are refused before parsing: a graph is a few hundred lines at most.
    public static let maxFileSize = 1 << 20
    /// Limits the work a file full of aliases can cause.
    static let maxValues = 50_000

    public init(registry: NodeRegistry) { self.registry = registry }

    /// The result of loading: the graph when there are no errors, and every diagnostic.
    public struct Result: Sendable {
        public var graph: Graph?
        public var diagnostics: Diagnostics
    }

    /// Loads the file at `path`; relative paths in it resolve against `baseDirectory`, by default
    /// the file's own folder (`media-router plan` reads a new version as if saved over the old).
    public func load(path: String, baseDirectory: String? = nil) -> Result {
        var d = Diagnostics()
        let top = SourceLocation(file: path, line: 1, column: 1)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            d.error("no such file", at: SourceLocation(file: path, line: 0, column: 0))
            return Result(graph: nil, diagnostics: d)
        }
        if isDir.boolValue {
            d.error("is a folder, not a graph file", at: SourceLocation(file: path, line: 0, column: 0))
            return Result(graph: nil, diagnostics: d)
        }
        if let attrs = try? FileManager.default.attributesOfItem(atPath: path),
           let size = (attrs[.size] as? NSNumber)?.intValue, size > GraphLoader.maxFileSize {
            d.error("file is too large to be a graph (\(formatBytes(Int64(size))); the limit is \(formatBytes(Int64(GraphLoader.maxFileSize))))", at: top)
            return Result(graph: nil, diagnostics: d)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            d.error("cannot read file (permission denied?)", at: SourceLocation(file: path, line: 0, column: 0))
            return Result(graph: nil, diagnostics: d)
        }
        if let baseDirectory { return load(data: data, file: path, baseDirectory: baseDirectory) }
        let dir = (path as NSString).deletingLastPathComponent
        return load(data: data, file: path, baseDirectory: dir.isEmpty ? FileManager.default.currentDirectoryPath : dir)
    }

    public func load(text: String, file: String = "<graph>", baseDirectory: String = FileManager.default.currentDirectoryPath) -> Result {
        load(data: Data(text.utf8), file: file, baseDirectory: baseDirectory)
    }

    public func load(data: Data, file: String, baseDirectory: String) -> Result {
        var d = Diagnostics()
        let top = SourceLocation(file: file, line: 1, column: 1)
        if data.count > GraphLoader.maxFileSize {
            d.error("file is too large to be a graph (\(formatBytes(Int64(data.count))); the limit is \(formatBytes(Int64(GraphLoader.maxFileSize))))", at: top)
            return Result(graph: nil, diagnostics: d)
        }
        let bytes = [UInt8](data)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let (line, col, offset) = GraphLoader.firstInvalidUTF8(bytes)
            d.error("file is not valid UTF-8 (byte 0x\(String(bytes[offset], radix: 16, uppercase: true)) at offset \(offset)); save it as UTF-8",
                    at: SourceLocation(file: file, line: line, column: col))
            return Result(graph: nil, diagnostics: d)
        }
        if bytes.contains(0) {
            let offset = bytes.firstIndex(of: 0)!
            let (line, col) = GraphLoader.lineColumn(bytes, offset)
            d.error("file contains a NUL byte; it does not look like a text file", at: SourceLocation(file: file, line: line, column: col))
            return Result(graph: nil, diagnostics: d)
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            || text.split(separator: "\n").allSatisfy({ $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") || $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            d.error("file is empty; a graph needs a 'nodes:' mapping", at: top)
            return Result(graph: nil, diagnostics: d)
        }

        let root: Yams.Node
        do {
            guard let r = try Yams.compose(yaml: text) else {
                d.error("file is empty; a graph needs a 'nodes:' mapping", at: top)
                return Result(graph: nil, diagnostics: d)
            }
            root = r
        } catch {
            d.append(GraphLoader.diagnostic(forYAMLError: error, file: file))
            return Result(graph: nil, diagnostics: d)
        }

        var converter = YAMLConverter(file: file, budget: GraphLoader.maxValues)
        guard let value = converter.convert(root) else {
            d.error("file expands to more than \(GraphLoader.maxValues) values (aliases nested too deeply?)", at: top)
            return Result(graph: nil, diagnostics: d)
        }
        var result = check(value, file: file, baseDirectory: baseDirectory)
        GraphLoader.checkControl(value, file: file, baseDirectory: baseDirectory, into: &result)
        if converter.diagnostics.hasErrors {
            result.graph = nil
            result.diagnostics.append(contentsOf: converter.diagnostics)
        }
        return result
    }

    static func diagnostic(forYAMLError error: Error, file: String) -> Diagnostic {
        func loc(_ m: Mark) -> SourceLocation { SourceLocation(file: file, line: m.line, column: m.column) }
        switch error {
        case let YamlError.scanner(context, problem, mark, yaml),
             let YamlError.parser(context, problem, mark, yaml),
             let YamlError.composer(context, problem, mark, yaml):
            if let plain = plainYAMLProblem(problem, line: mark.line, column: mark.column, in: yaml) {
                return Diagnostic(.error, at: loc(mark), plain)
            }
            var message = "YAML syntax error: \(problem)"
            if let c = context { message += " (\(c.text) at \(c.mark.line):\(c.mark.column))" }
            return Diagnostic(.error, at: loc(mark), message)
        case let YamlError.duplicatedKeysInMapping(duplicates, context):
            return duplicateKeyDiagnostic(duplicates, first: context.mark, yaml: context.text, file: file)
        case let YamlError.reader(problem, offset, _, yaml):
            if let offset {
                let (l, c) = lineColumn(Array(yaml.utf8), min(offset, max(0, yaml.utf8.count - 1)))
                return Diagnostic(.error, at: SourceLocation(file: file, line: l, column: c), "YAML reader error: \(problem)")
            }
            return Diagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1), "YAML reader error: \(problem)")
        default:
            return Diagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1), "YAML error: \(error)")
        }
    }

    static func lineColumn(_ bytes: [UInt8], _ offset: Int) -> (Int, Int) {
        var line = 1, col = 1
        var i = 0
        while i < offset && i < bytes.count {
            if bytes[i] == 0x0A { line += 1; col = 1 } else if bytes[i] & 0xC0 != 0x80 { col += 1 }
            i += 1
        }
        return (line, col)
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (Int, Int, Int) {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var n = 0
            if b < 0x80 { n = 0 } else if b & 0xE0 == 0xC0 && b >= 0xC2 { n = 1 } else if b & 0xF0 == 0xE0 { n = 2 } else if b & 0xF8 == 0xF0 && b <= 0xF4 { n = 3 } else {
                let (l, c) = lineColumn(bytes, i); return (l, c, i)
            }
            if i + n >= bytes.count && n > 0 { let (l, c) = lineColumn(bytes, i); return (l, c, i) }
            for k in 0..<n where bytes[i + 1 + k] & 0xC0 != 0x80 {
                let (l, c) = lineColumn(bytes, i); return (l, c, i)
            }
            if n > 0, String(validating: bytes[i...(i + n)], as: UTF8.self) == nil {
                let (l, c) = lineColumn(bytes, i); return (l, c, i)
            }
            i += n + 1
        }
        return (1, 1, 0)
    }

    // MARK: Checking

    struct Pending {
        var name: String
        var location: SourceLocation
        var plugin: (any NodePlugin.Type)?
        var options: NodeOptions?
        var inputs: [(name: String, location: SourceLocation, queue: QueueSettings?)] = []
        var queue: QueueSettings?
        var restart: RestartPolicy?
        var hasInputKey = false
        var inputKeyLocation: SourceLocation?
    }

    func check(_ root: ConfigValue, file: String, baseDirectory: String) -> Result {
        var d = Diagnostics()
        let top = SourceLocation(file: file, line: 1, column: 1)
        guard case .mapping(let topEntries, _) = root else {
            let what: String
            switch root {
            case .sequence: what = "a list"
            case .scalar(let s, _, _): what = "the text '\(s.prefix(40))'"
            case .mapping: what = "a mapping"
            }
            d.error("expected a mapping with 'nodes:' at the top level, found \(what)", at: root.location.line > 0 ? root.location : top)
            return Result(graph: nil, diagnostics: d)
        }
        var graphName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var nodesValue: ConfigValue?
        var nodesKeyLocation = top
        for e in topEntries {
            switch e.key {
            case "name":
                if let s = e.value.scalarText, !e.value.isNullScalar { graphName = s } else { d.error("'name' must be a string", at: e.value.location) }
            case "description", "control": break
            case "nodes":
                nodesValue = e.value
                nodesKeyLocation = e.keyLocation
            // Helper keys, as docker-compose has: a place for anchors that nodes merge (`<<: *base`).
            case let key where key.hasPrefix("x-"): break
            default:
                d.error("unknown top-level key '\(e.key)'\(didYouMean(e.key, in: GraphLoader.topLevelKeys)); expected \(GraphLoader.topLevelKeys.map { "'\($0)'" }.joined(separator: ", ")), or helper keys starting with 'x-'", at: e.keyLocation)
            }
        }
        guard let nodesValue else {
            d.error("missing 'nodes:' (a mapping from node names to their settings)", at: top)
            return Result(graph: nil, diagnostics: d)
        }
        guard case .mapping(let nodeEntries, _) = nodesValue else {
            d.error("'nodes' must be a mapping from node names to their settings, found \(nodesValue.isNullScalar ? "nothing" : nodesValue.shortDescription)", at: nodesValue.isNullScalar ? nodesKeyLocation : nodesValue.location)
            return Result(graph: nil, diagnostics: d)
        }
        if nodeEntries.isEmpty {
            d.error("'nodes' is empty; a graph needs at least one node", at: nodesKeyLocation)
            return Result(graph: nil, diagnostics: d)
        }

        var pending: [Pending] = []
        for entry in nodeEntries {
            pending.append(checkNode(entry, baseDirectory: baseDirectory, diagnostics: &d))
        }

        // Inputs must name nodes that exist; sources take none; others need one.
        let names = pending.map(\.name)
        var index: [String: Int] = [:]
        for (i, p) in pending.enumerated() { index[p.name] = i }
        var edges: [GraphEdge] = []
        var edgeOK = [Bool]()
        for (ci, p) in pending.enumerated() {
            guard let plugin = p.plugin else { continue }
            if plugin.role == .source {
                if p.hasInputKey {
                    d.error("node '\(p.name)' is a source (\(plugin.kind)) and cannot take an input", at: p.inputKeyLocation ?? p.location)
                }
                continue
            }
            if !p.hasInputKey {
                d.error("node '\(p.name)' (\(plugin.kind)) has no input: nothing feeds it; add 'input: <node>'", at: p.location)
                continue
            }
            if p.inputs.isEmpty {
                d.error("node '\(p.name)' (\(plugin.kind)) has an empty input list: nothing feeds it", at: p.inputKeyLocation ?? p.location)
            }
            var seenInputs = Set<String>()
            for input in p.inputs {
                guard let pi = index[input.name] else {
                    d.error("input '\(input.name)' of node '\(p.name)' does not exist\(didYouMean(input.name, in: names))", at: input.location)
                    continue
                }
                if !seenInputs.insert(input.name).inserted {
                    d.error("node '\(p.name)' names input '\(input.name)' twice", at: input.location)
                    continue
                }
                if pi == ci {
                    d.error("node '\(p.name)' cannot be its own input", at: input.location)
                    continue
                }
                if let prodPlugin = pending[pi].plugin, prodPlugin.role == .sink {
                    d.error("input '\(input.name)' of node '\(p.name)' is a sink (\(prodPlugin.kind)); sinks produce no frames", at: input.location)
                    continue
                }
                let queue = input.queue ?? p.queue ?? plugin.defaultInputQueue
                edges.append(GraphEdge(from: pi, to: ci, queue: queue, location: input.location))
                edgeOK.append(true)
            }
        }

        // Cycles, and an order where producers come first.
        var order: [Int] = []
        var state = [Int](repeating: 0, count: pending.count)  // 0 new, 1 visiting, 2 done
        var reportedCycle = false
        func visit(_ n: Int, _ path: [Int]) {
            if state[n] == 2 { return }
            if state[n] == 1 {
                if !reportedCycle {
                    reportedCycle = true
                    let start = path.firstIndex(of: n) ?? 0
                    let cycle = Array(path[start...]) + [n]
                    // Report at the input that closes the cycle: the last consumer names the first producer.
                    let closer = edges.first { $0.to == cycle[cycle.count - 2] && $0.from == n }
                    let text = cycle.reversed().map { pending[$0].name }.joined(separator: " -> ")
                    d.error("cycle in graph: \(text); frames cannot flow in a loop", at: closer?.location ?? pending[n].location)
                }
                return
            }
            state[n] = 1
            for e in edges where e.to == n { visit(e.from, path + [n]) }
            state[n] = 2
            order.append(n)
        }
        for i in pending.indices { visit(i, []) }

        // Formats: what each node produces must meet what each consumer accepts.
        var produced = [Set<MediaKind>](repeating: [], count: pending.count)
        var accepted = [Set<MediaKind>](repeating: [], count: pending.count)
        if !reportedCycle {
            for n in order {
                guard let plugin = pending[n].plugin, let options = pending[n].options else { continue }
                accepted[n] = plugin.accepts(options)
                var inputKinds = Set<MediaKind>()
                for e in edges where e.to == n { inputKinds.formUnion(produced[e.from]) }
                produced[n] = plugin.produces(options, inputKinds: inputKinds)
            }
            for e in edges {
                guard let consumer = pending[e.to].plugin, pending[e.from].plugin != nil,
                      pending[e.to].options != nil, pending[e.from].options != nil else { continue }
                let out = produced[e.from]
                let acc = accepted[e.to]
                if out.isEmpty { continue }
                if out.isDisjoint(with: acc) {
                    let convertible = out.contains { k in registry.converter(from: k, to: acc) != nil }
                    let fromKind = pending[e.from].plugin!.kind
                    let outText = out.sorted { $0.rawValue < $1.rawValue }.map(\.description).joined(separator: " or ")
                    let accText = acc.sorted { $0.rawValue < $1.rawValue }.map(\.description).joined(separator: " or ")
                    var hint = ""
                    if out == [.jpeg] && acc.contains(.raw) { hint = "; put a jpeg.decode node between them" }
                    else if out == [.raw] && acc == [.jpeg] { hint = "; put a jpeg.encode node between them" }
                    if !convertible || out == [.jpeg] {
                        d.error("node '\(pending[e.to].name)' (\(consumer.kind)) needs \(accText), but its input '\(pending[e.from].name)' (\(fromKind)) produces \(outText)\(hint)", at: e.location)
                    }
                }
            }
        }

        // Plugin-specific checks.
        for (n, p) in pending.enumerated() {
            guard let plugin = p.plugin, let options = p.options else { continue }
            var inputKinds = Set<MediaKind>()
            var inputNames: [String] = []
            for e in edges where e.to == n {
                inputKinds.formUnion(produced[e.from])
                inputNames.append(pending[e.from].name)
            }
            let consumers = edges.filter { $0.from == n }.map { accepted[$0.to] }
            let ctx = ValidationContext(inputKinds: inputKinds, inputNames: inputNames, consumerAccepts: consumers)
            plugin.validate(options, context: ctx, into: &d)
            if plugin.role != .sink && consumers.isEmpty && !reportedCycle {
                d.warning("node '\(p.name)' (\(plugin.kind)) feeds no other node; its frames go nowhere", at: p.location)
            }
        }

        // Resources only one node may hold (a port two nodes bind).
        let claims: [[ResourceClaim]] = pending.map { p in p.options.map { p.plugin?.claims($0) ?? [] } ?? [] }
        for diagnostic in ResourceClaim.conflicts(zip(pending, claims).map { ($0.name, $1) }) { d.append(diagnostic) }

        if d.hasErrors { return Result(graph: nil, diagnostics: d) }

        var nodes: [GraphNode] = []
        var remap = [Int](repeating: -1, count: pending.count)
        for (newIndex, old) in order.enumerated() { remap[old] = newIndex }
        for old in order {
            let p = pending[old]
            var node = GraphNode(name: p.name, plugin: p.plugin!, options: p.options!, location: p.location,
                                 restart: p.restart ?? GraphLoader.defaultRestart(p.plugin!), restartIsExplicit: p.restart != nil)
            node.accepts = accepted[old]
            node.produces = produced[old]
            node.claims = claims[old]
            nodes.append(node)
        }
        var finalEdges: [GraphEdge] = []
        for e in edges {
            var fe = e
            fe.from = remap[e.from]
            fe.to = remap[e.to]
            nodes[fe.to].inputEdges.append(finalEdges.count)
            nodes[fe.from].outputEdges.append(finalEdges.count)
            finalEdges.append(fe)
        }
        return Result(graph: Graph(name: graphName, file: file, nodes: nodes, edges: finalEdges), diagnostics: d)
    }

    /// The policy a node of this kind gets when its graph gives it no `restart:`.
    public static func defaultRestart(_ plugin: any NodePlugin.Type) -> RestartPolicy {
        if let r = plugin as? any RestartDefaulting.Type { return r.defaultRestart }
        return .never
    }

    func checkNode(_ entry: ConfigEntry, baseDirectory: String, diagnostics d: inout Diagnostics) -> Pending {
        var p = Pending(name: entry.key, location: entry.keyLocation)
        GraphLoader.checkNodeName(entry, diagnostics: &d)
        guard case .mapping(let fields, _) = entry.value else {
            d.error("node '\(entry.key)' must be a mapping with at least 'kind:', found \(entry.value.isNullScalar ? "nothing" : entry.value.shortDescription)", at: entry.value.isNullScalar ? entry.keyLocation : entry.value.location)
            return p
        }
        guard let kindEntry = fields.first(where: { $0.key == "kind" }) else {
            d.error("node '\(entry.key)' has no 'kind'; valid kinds: \(registry.kinds.joined(separator: ", "))", at: entry.keyLocation)
            return p
        }
        guard let kind = kindEntry.value.scalarText, !kindEntry.value.isNullScalar else {
            d.error("'kind' of node '\(entry.key)' must be a name; valid kinds: \(registry.kinds.joined(separator: ", "))", at: kindEntry.value.location)
            return p
        }
        guard let plugin = registry.plugin(kind: kind) else {
            d.error("unknown kind '\(kind)'\(didYouMean(kind, in: registry.kinds)); valid kinds: \(registry.kinds.joined(separator: ", "))", at: kindEntry.value.location)
            return p
        }
        p.plugin = plugin
        var options = NodeOptions(nodeName: entry.key, kind: kind, location: entry.keyLocation, specs: plugin.options, baseDirectory: baseDirectory)
        let specNames = plugin.options.map(\.name)
        var seen = Set<String>()
        for f in fields {
            if !seen.insert(f.key).inserted {
                d.error("option '\(f.key)' is given twice", at: f.keyLocation)
                continue
            }
            switch f.key {
            case "kind", "description": continue
            case "input", "inputs":
                if p.hasInputKey {
                    d.error("give either 'input' or 'inputs', not both", at: f.keyLocation)
                    continue
                }
                p.hasInputKey = true
                p.inputKeyLocation = f.keyLocation
                p.inputs = parseInputs(f.value, diagnostics: &d)
            case "queue":
                p.queue = parseQueue(f.value, diagnostics: &d)
            case "restart":
                p.restart = parseRestart(f.value, diagnostics: &d)
            default:
                guard let spec = plugin.options.first(where: { $0.name == f.key }) else {
                    let common = Array(GraphLoader.reservedNodeKeys)
                    d.error("unknown option '\(f.key)' for \(kind)\(didYouMean(f.key, in: specNames + common))", at: f.keyLocation)
                    continue
                }
                if f.value.isNullScalar, case .json = spec.type {} else if f.value.isNullScalar {
                    d.error("option '\(f.key)' of \(kind) has no value; expected \(spec.type)", at: f.keyLocation)
                    continue
                }
                switch OptionChecker.check(f.value, as: spec.type) {
                case .success(let v): options.set(spec.name, v, at: f.value.location)
                case .failure(let failure):
                    d.error("option '\(f.key)' of \(kind): \(failure.message)", at: failure.location ?? f.value.location)
                }
            }
        }
        // An option given with a wrong value already has its error; "missing" would be a second one.
        for spec in plugin.options where spec.required && !options.isSet(spec.name) && !seen.contains(spec.name) {
            d.error("node '\(entry.key)' (\(kind)) is missing required option '\(spec.name)' (\(spec.doc))", at: entry.keyLocation)
        }
        p.options = options
        return p
    }

    func parseInputs(_ v: ConfigValue, diagnostics d: inout Diagnostics) -> [(name: String, location: SourceLocation, queue: QueueSettings?)] {
        var out: [(name: String, location: SourceLocation, queue: QueueSettings?)] = []
        func one(_ item: ConfigValue) {
            switch item {
            case .scalar(let s, _, let loc):
                if item.isNullScalar { d.error("input is empty; name a node", at: loc); return }
                // "a, b" is a common slip for a list.
                if s.contains(",") {
                    for part in s.split(separator: ",") { out.append((part.trimmingCharacters(in: .whitespaces), loc, nil)) }
                } else {
                    out.append((s, loc, nil))
                }
            case .mapping(let entries, let loc):
                var name: String?
                var nameLoc = loc
                var queue: QueueSettings?
                for e in entries {
                    switch e.key {
                    case "node", "from":
                        name = e.value.scalarText
                        nameLoc = e.value.location
                    case "queue":
                        queue = parseQueue(e.value, diagnostics: &d)
                    default:
                        d.error("unknown key '\(e.key)' in an input\(didYouMean(e.key, in: ["node", "queue"])); expected 'node' and optionally 'queue'", at: e.keyLocation)
                    }
                }
                guard let name else { d.error("input needs 'node: <name>'", at: loc); return }
                out.append((name, nameLoc, queue))
            case .sequence(_, let loc):
                d.error("an input must be a node name or {node: NAME, queue: {...}}, not a nested list", at: loc)
            }
        }
        if case .sequence(let items, _) = v { items.forEach(one) } else { one(v) }
        return out
    }

    func parseQueue(_ v: ConfigValue, diagnostics d: inout Diagnostics) -> QueueSettings? {
        guard case .mapping(let entries, _) = v else {
            if let s = v.scalarText, let policy = QueuePolicy(rawValue: s) {
                return QueueSettings(size: policy == .block ? QueueSettings.lossless.size : QueueSettings.live.size, policy: policy)
            }
            d.error("'queue' must be a mapping such as {size: 8, policy: drop-oldest}", at: v.location)
            return nil
        }
        var size: Int?
        var policy: QueuePolicy?
        for e in entries {
            switch e.key {
            case "size":
                if let s = e.value.scalarText, let n = Int(s), (1...100_000).contains(n) { size = n } else {
                    d.error("queue 'size' must be an integer from 1 to 100000, got \(e.value.shortDescription)", at: e.value.location)
                }
            case "policy":
                if let s = e.value.scalarText, let p = QueuePolicy(rawValue: s) ?? QueuePolicy(rawValue: s.replacingOccurrences(of: "_", with: "-")) { policy = p } else {
                    let given = e.value.scalarText ?? ""
                    d.error("queue 'policy' must be block or drop-oldest, got \(e.value.shortDescription)\(didYouMean(given, in: QueuePolicy.allCases.map(\.rawValue)))", at: e.value.location)
                }
            default:
                d.error("unknown key '\(e.key)' in queue\(didYouMean(e.key, in: ["size", "policy"])); expected 'size' and 'policy'", at: e.keyLocation)
            }
        }
        let p = policy ?? .block
        return QueueSettings(size: size ?? (p == .block ? QueueSettings.lossless.size : QueueSettings.live.size), policy: p)
    }

    func parseRestart(_ v: ConfigValue, diagnostics d: inout Diagnostics) -> RestartPolicy? {
        let modes = RestartPolicy.Mode.allCases.map(\.rawValue)
        if let s = v.scalarText {
            if let m = RestartPolicy.Mode(rawValue: s) { return RestartPolicy(mode: m) }
            if let b = ConfigValue.parseBool(s) { return RestartPolicy(mode: b ? .onFailure : .never) }
            d.error("'restart' must be one of \(modes.joined(separator: ", ")) or a mapping, got \(v.shortDescription)\(didYouMean(s, in: modes))", at: v.location)
            return nil
        }
        guard case .mapping(let entries, _) = v else {
            d.error("'restart' must be one of \(modes.joined(separator: ", ")) or a mapping", at: v.location)
            return nil
        }
        var policy = RestartPolicy(mode: .onFailure)
        for e in entries {
            switch e.key {
            case "policy", "mode":
                if let s = e.value.scalarText, let m = RestartPolicy.Mode(rawValue: s) { policy.mode = m } else {
                    d.error("restart 'policy' must be one of \(modes.joined(separator: ", ")), got \(e.value.shortDescription)", at: e.value.location)
                }
            case "max_restarts":
                if let s = e.value.scalarText, let n = Int(s), n >= 0 { policy.maxRestarts = n } else {
                    d.error("restart 'max_restarts' must be a whole number ≥ 0", at: e.value.location)
                }
            case "backoff", "max_backoff":
                if let s = e.value.scalarText, let t = parseDuration(s), t >= 0, t <= 86400 {
                    if e.key == "backoff" { policy.backoff = t } else { policy.maxBackoff = t }
                } else {
                    d.error("restart '\(e.key)' must be a duration such as 500ms or 5s", at: e.value.location)
                }
            default:
                d.error("unknown key '\(e.key)' in restart\(didYouMean(e.key, in: ["policy", "max_restarts", "backoff", "max_backoff"]))", at: e.keyLocation)
            }
        }
        if policy.maxBackoff < policy.backoff { policy.maxBackoff = policy.backoff }
        return policy
    }
}

/// Plugins whose nodes should restart by default (live capture, recording) adopt this.
public protocol RestartDefaulting {
    static var defaultRestart: RestartPolicy { get }
}
