import ArgumentParser
import BuiltInPlugins
import Foundation
import MediaRouter

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List node kinds, or the options of one kind.",
        discussion: "The text comes from each plugin's own declaration, so it always matches the code."
    )

    @Argument(help: "A node kind, such as gst.capture.")
    var kind: String?

    @Flag(help: "Print Markdown (for the README's node reference).")
    var markdown = false

    func run() throws {
        let registry = NodeRegistry.builtIn
        guard let kind else {
            if markdown {
                Console.shared.printOut(PluginDocs.markdownReference(registry))
                return
            }
            let width = registry.kinds.map(\.count).max() ?? 10
            var lines: [String] = []
            for role in NodeRole.allCases {
                let plugins = registry.plugins.filter { $0.role == role }
                if plugins.isEmpty { continue }
                lines.append(PluginDocs.roleTitle(role) + ":")
                for p in plugins { lines.append("  " + p.kind.padding(toLength: width + 2, withPad: " ", startingAt: 0) + p.summary) }
            }
            lines.append("\nRun 'media-router plugins KIND' for a kind's options.")
            Console.shared.printOut(lines.joined(separator: "\n"))
            return
        }
        guard let plugin = registry.plugin(kind: kind) else {
            Console.shared.printErr("error: unknown kind '\(kind)'\(didYouMean(kind, in: registry.kinds)); valid kinds: \(registry.kinds.joined(separator: ", "))")
            throw ExitCode(1)
        }
        Console.shared.printOut(markdown ? PluginDocs.markdown(plugin) : PluginDocs.text(plugin))
    }
}

enum PluginDocs {
    static func roleTitle(_ r: NodeRole) -> String {
        switch r {
        case .source: return "Inputs (sources)"
        case .transform: return "Transforms"
        case .sink: return "Outputs (sinks)"
        }
    }

    static func kinds(_ s: Set<MediaKind>) -> String {
        s.isEmpty ? "-" : s.sorted { $0.rawValue < $1.rawValue }.map(\.rawValue).joined(separator: ", ")
    }

    static func text(_ p: any NodePlugin.Type) -> String {
        var lines = ["\(p.kind) (\(p.role.rawValue)): \(p.summary)", ""]
        if p.role != .source {
            lines.append("Input queue by default: \(p.defaultInputQueue)")
        }
        lines.append("Options:")
        let rows = p.options.map { o -> (String, String, String, String) in
            (o.name, o.type.description, o.required ? "required" : (o.defaultValue.map { $0.description } ?? "-"), o.doc)
        }
        let w0 = max(6, rows.map(\.0.count).max() ?? 0), w1 = max(4, min(28, rows.map(\.1.count).max() ?? 0)), w2 = max(7, min(24, rows.map(\.2.count).max() ?? 0))
        lines.append("  " + "NAME".padding(toLength: w0 + 2, withPad: " ", startingAt: 0) + "TYPE".padding(toLength: w1 + 2, withPad: " ", startingAt: 0)
                     + "DEFAULT".padding(toLength: w2 + 2, withPad: " ", startingAt: 0) + "MEANING")
        for r in rows {
            lines.append("  " + r.0.padding(toLength: w0 + 2, withPad: " ", startingAt: 0) + pad(r.1, w1 + 2) + pad(r.2, w2 + 2) + r.3)
        }
        lines.append("")
        lines.append("Every node also takes: kind, input/inputs, queue: {size: N, policy: block|drop-oldest}, restart: never|on-failure|always.")
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + "  " : s.padding(toLength: n, withPad: " ", startingAt: 0)
    }

    static func markdown(_ p: any NodePlugin.Type) -> String {
        var out = "### `\(p.kind)` (\(p.role.rawValue))\n\n\(p.summary).\n\n"
        out += "| option | type | default | meaning |\n|---|---|---|---|\n"
        for o in p.options {
            let def = o.required ? "**required**" : (o.defaultValue.map { "`\($0.description)`" } ?? "–")
            out += "| `\(o.name)` | \(o.type.description.replacingOccurrences(of: "|", with: "\\|")) | \(def.replacingOccurrences(of: "|", with: "\\|")) | \(o.doc.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        return out
    }

    static func markdownReference(_ registry: NodeRegistry) -> String {
        registry.plugins.map { markdown($0) }.joined(separator: "\n")
    }
}
