import ArgumentParser
import BuiltInPlugins
import Foundation
import MediaRouter

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print what reloading a running graph with an edited file would do: keep, restart (and why), add, remove.",
        discussion: """
        Both files are checked as `validate` checks them. NEW is read as the new content of OLD: \
        relative paths in it resolve against OLD's folder, as they will once it is saved over OLD. \
        Option values are shown only where they cannot be secrets (numbers, booleans, choices).
        """
    )

    enum Format: String, CaseIterable, ExpressibleByArgument { case text, json }

    @Argument(help: "The graph file as it runs now.", completion: .file(extensions: ["yaml", "yml"]))
    var old: String

    @Argument(help: "The edited graph file.", completion: .file(extensions: ["yaml", "yml"]))
    var new: String

    @Option(help: "Output format: text (one line a node) or json.")
    var format: Format = .text

    func run() throws {
        let loader = GraphLoader(registry: .builtIn)
        let oldResult = loader.load(path: old)
        let folder = (old as NSString).deletingLastPathComponent
        let newResult = loader.load(path: new, baseDirectory: folder.isEmpty ? FileManager.default.currentDirectoryPath : folder)
        for d in oldResult.diagnostics.sorted { Console.shared.printErr(d.description) }
        for d in newResult.diagnostics.sorted { Console.shared.printErr(d.description) }
        guard let oldGraph = oldResult.graph else {
            Console.shared.printErr("\(old): the old graph does not validate: there is nothing to compare with")
            throw ExitCode(1)
        }
        guard let newGraph = newResult.graph else {
            Console.shared.printErr("\(new): the new graph does not validate: nothing would change")
            throw ExitCode(1)
        }
        let plan = GraphPlan(from: oldGraph, to: newGraph)
        switch format {
        case .text:
            Console.shared.printOut(plan.text)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Console.shared.printOut(String(decoding: try encoder.encode(plan), as: UTF8.self))
        }
    }
}
