import ArgumentParser
import BuiltInPlugins
import Foundation
import MediaRouter

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check graph files without running them; print every problem as file:line:column: message."
    )

    @Argument(help: "Graph files to check.", completion: .file(extensions: ["yaml", "yml"]))
    var files: [String]

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    @Flag(name: .shortAndLong, help: "Print nothing for files without problems.")
    var quiet = false

    func run() throws {
        var failed = false
        for file in files {
            let (graph, diagnostics) = loadGraph(file, registry: .builtIn)
            for d in diagnostics { Console.shared.printErr(d.description) }
            let hasErrors = graph == nil || (strict && diagnostics.contains { $0.severity == .warning })
            if hasErrors {
                failed = true
            } else if !quiet, let graph {
                Console.shared.printOut("\(file): ok (\(graph.nodes.count) node\(graph.nodes.count == 1 ? "" : "s"), \(graph.edges.count) edge\(graph.edges.count == 1 ? "" : "s"))")
            }
        }
        if failed { throw ExitCode(1) }
    }
}

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a graph's topology for Graphviz (dot) or Mermaid."
    )

    @Argument(help: "The graph file.", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(help: "Output format: dot or mermaid.")
    var format: GraphExport.Format = .dot

    func run() throws {
        let (graph, diagnostics) = loadGraph(file, registry: .builtIn)
        for d in diagnostics { Console.shared.printErr(d.description) }
        guard let graph else { throw ExitCode(1) }
        Console.shared.printOut(GraphExport.render(graph, as: format))
    }
}

extension GraphExport.Format: ExpressibleByArgument {}
