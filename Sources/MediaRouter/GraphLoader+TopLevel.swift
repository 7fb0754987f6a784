import Foundation

extension GraphLoader {
    /// What the top level of a graph file gives: the graph's name and its node entries.
    struct TopLevel {
        var graphName: String
        var nodeEntries: [ConfigEntry]
    }

    /// Checks the keys at the top level of the file and that `nodes:` is a non-empty mapping;
    /// nil when there is nothing to check further (the errors are in `d`).
    func checkTopLevel(_ root: ConfigValue, file: String, diagnostics d: inout Diagnostics) -> TopLevel? {
        let top = SourceLocation(file: file, line: 1, column: 1)
        guard case .mapping(let topEntries, _) = root else {
            let what: String
            switch root {
            case .sequence: what = "a list"
            case .scalar(let s, _, _): what = "the text '\(s.prefix(40))'"
            case .mapping: what = "a mapping"
            }
            d.error("expected a mapping with 'nodes:' at the top level, found \(what)", at: root.location.line > 0 ? root.location : top)
            return nil
        }
        var graphName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var nodesValue: ConfigValue?
        var nodesKeyLocation = top
        for e in topEntries {
            switch e.key {
            case "name":
                if let s = e.value.scalarText, !e.value.isNullScalar { graphName = s } else { d.error("'name' must be a string", at: e.value.location) }
            case "description", "control": break  // control: GraphLoader+Control.swift
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
            return nil
        }
        guard case .mapping(let nodeEntries, _) = nodesValue else {
            d.error("'nodes' must be a mapping from node names to their settings, found \(nodesValue.isNullScalar ? "nothing" : nodesValue.shortDescription)", at: nodesValue.isNullScalar ? nodesKeyLocation : nodesValue.location)
            return nil
        }
        if nodeEntries.isEmpty {
            d.error("'nodes' is empty; a graph needs at least one node", at: nodesKeyLocation)
            return nil
        }
        return TopLevel(graphName: graphName, nodeEntries: nodeEntries)
    }
}
