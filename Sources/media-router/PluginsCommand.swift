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

    /// What a node of this kind does when it fails, unless its graph gives it `restart:`.
    static func defaultRestart(_ p: any NodePlugin.Type, code: (String) -> String = { $0 }) -> String {
        let policy = GraphLoader.defaultRestart(p)
        if policy.mode == .never { return "Restart policy by default: \(code("never")) (a failure stops the graph)" }
        let rest = policy.description.dropFirst(policy.mode.rawValue.count)
        return "Restart policy by default: \(code(policy.mode.rawValue))\(rest) while running; a failure to start stops the run unless the graph sets \(code("restart:"))"
    }

    static let typeWidth = 28
    static let defaultWidth = 24

    static func text(_ p: any NodePlugin.Type) -> String {
        var lines = ["\(p.kind) (\(p.role.rawValue)): \(p.summary)", ""]
        lines.append(defaultRestart(p))
        if p.role != .source {
            lines.append("Input queue by default: \(p.defaultInputQueue)")
        }
        lines.append("Options:")
        let rows = p.options.map { o -> (String, [String], [String], String) in
            (o.name, wrap(o.type.description, typeWidth),
             wrap(o.required ? "required" : (o.defaultValue.map { $0.description } ?? "-"), defaultWidth), o.doc)
        }
        let w0 = max(6, rows.map(\.0.count).max() ?? 0)
        let w1 = max(4, rows.flatMap(\.1).map(\.count).max() ?? 0), w2 = max(7, rows.flatMap(\.2).map(\.count).max() ?? 0)
        func line(_ cells: String...) -> String {
            let widths = [w0, w1, w2]
            var out = "  "
            for (i, c) in cells.enumerated() { out += i < widths.count ? c.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0) : c }
            return String(out.reversed().drop { $0 == " " }.reversed())
        }
        lines.append(line("NAME", "TYPE", "DEFAULT", "MEANING"))
        for r in rows {
            // A long type or default continues on the next lines, inside its own column.
            for i in 0..<max(r.1.count, r.2.count) {
                lines.append(line(i == 0 ? r.0 : "", i < r.1.count ? r.1[i] : "", i < r.2.count ? r.2[i] : "", i == 0 ? r.3 : ""))
            }
        }
        lines.append("")
        lines.append("Every node also takes: kind, input/inputs, queue: {size: N, policy: block|drop-oldest}, restart: never|on-failure|always.")
        return lines.joined(separator: "\n")
    }

    /// Breaks a cell into lines of at most `width`: after spaces, then after | or / inside a
    /// long word (choice lists, paths), and only as a last resort anywhere.
    static func wrap(_ text: String, _ width: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        for c in text {
            current.append(c)
            if c == " " || c == "|" || c == "/" { pieces.append(current); current = "" }
        }
        if !current.isEmpty { pieces.append(current) }
        var lines: [String] = []
        var line = ""
        func flush() {
            let trimmed = String(line.reversed().drop { $0 == " " }.reversed())
            if !trimmed.isEmpty { lines.append(trimmed) }
            line = ""
        }
        for var piece in pieces {
            if (line + piece).trimmingCharacters(in: .whitespaces).count <= width { line += piece; continue }
            flush()
            while piece.trimmingCharacters(in: .whitespaces).count > width {
                lines.append(String(piece.prefix(width)))
                piece = String(piece.dropFirst(width))
            }
            line = piece
        }
        flush()
        return lines.isEmpty ? [""] : lines
    }

    static func markdown(_ p: any NodePlugin.Type) -> String {
        var out = "### `\(p.kind)` (\(p.role.rawValue))\n\n\(p.summary).\n\n"
        out += defaultRestart(p) { "`\($0)`" } + ".\n\n"
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
