/// The static list of node kinds a graph may use, modelled on SwiftLint's `builtInRules`: one
/// array of plugin types, listed in `BuiltInPlugins`.
public struct NodeRegistry: Sendable {
    public let plugins: [any NodePlugin.Type]
    public let converters: [any FrameConverter]

    public init(plugins: [any NodePlugin.Type], converters: [any FrameConverter] = []) {
        self.plugins = plugins
        self.converters = converters
    }

    public var kinds: [String] { plugins.map { $0.kind } }

    public func plugin(kind: String) -> (any NodePlugin.Type)? {
        plugins.first { $0.kind == kind }
    }

    public func converter(from: MediaKind, to accepted: Set<MediaKind>) -> (any FrameConverter)? {
        converters.first { $0.from == from && accepted.contains($0.to) }
    }

    /// Problems with the registry itself: duplicate kinds, duplicate option names, reserved names.
    public func selfCheck() -> [String] {
        var problems: [String] = []
        var seen = Set<String>()
        for p in plugins {
            if !seen.insert(p.kind).inserted { problems.append("kind '\(p.kind)' is registered twice") }
            var names = Set<String>()
            for o in p.options {
                if !names.insert(o.name).inserted { problems.append("\(p.kind): option '\(o.name)' is declared twice") }
                if GraphLoader.reservedNodeKeys.contains(o.name) {
                    problems.append("\(p.kind): option '\(o.name)' clashes with a key every node has")
                }
                if o.doc.isEmpty { problems.append("\(p.kind): option '\(o.name)' has no documentation") }
            }
            if p.summary.isEmpty { problems.append("\(p.kind): no summary") }
        }
        return problems
    }
}
