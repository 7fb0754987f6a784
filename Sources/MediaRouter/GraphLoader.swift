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

    /// Checks a whole graph, each step in its own file: the top level, each node, the edges
    /// between them, cycles, formats, the plugins' own checks and claimed resources. Every step
    /// runs so that a user sees every problem at once.
    func check(_ root: ConfigValue, file: String, baseDirectory: String) -> Result {
        var d = Diagnostics()
        guard let topLevel = checkTopLevel(root, file: file, diagnostics: &d) else {
            return Result(graph: nil, diagnostics: d)
        }
        var pending: [Pending] = []
        for entry in topLevel.nodeEntries {
            pending.append(checkNode(entry, baseDirectory: baseDirectory, diagnostics: &d))
        }
        let edges = checkEdges(pending, diagnostics: &d)
        let order = checkCycles(pending, edges: edges, diagnostics: &d)
        let formats = checkFormats(pending, edges: edges, order: order, diagnostics: &d)
        checkPlugins(pending, edges: edges, formats: formats, hasCycle: order.hasCycle, diagnostics: &d)
        let claims = checkClaims(pending, diagnostics: &d)
        if d.hasErrors { return Result(graph: nil, diagnostics: d) }
        let graph = assembleGraph(name: topLevel.graphName, file: file, pending: pending, edges: edges,
                                  order: order.order, formats: formats, claims: claims)
        return Result(graph: graph, diagnostics: d)
    }
}
