import ArgumentParser
import Foundation
import Logging
import MediaRouter

@main
struct MediaRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media-router",
        abstract: "Route live video through graphs declared in YAML.",
        discussion: """
        A graph file lists nodes: sources (cameras, NetGear receivers), transforms and sinks \
        (NetGear senders, recordings, GStreamer outputs). See `media-router plugins` for every \
        node kind and `media-router plugins KIND` for its options.
        """,
        version: MediaRouterVersion.string,
        subcommands: [RunCommand.self, ValidateCommand.self, PlanCommand.self, PluginsCommand.self, GraphCommand.self, KeysCommand.self, RecordingsCommand.self],
        defaultSubcommand: nil
    )
}

enum MediaRouterVersion {
    static let string = "0.1.0"
}

/// Options shared by commands that log.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogLevelArgument = .init(.info)

    @Flag(name: .shortAndLong, help: "Print only warnings and errors; no status line and no summary.")
    var quiet = false

    var effectiveLevel: Logger.Level {
        if quiet && logLevel.level < .warning { return .warning }
        return logLevel.level
    }

    func bootstrap() {
        let level = effectiveLevel
        LoggingSystem.bootstrap { label in ConsoleLogHandler(label: label, level: level) }
    }
}

struct LogLevelArgument: ExpressibleByArgument, Sendable {
    var level: Logger.Level
    init(_ level: Logger.Level) { self.level = level }
    init?(argument: String) {
        guard let l = Logger.Level(rawValue: argument.lowercased()) else { return nil }
        level = l
    }
    static var allValueStrings: [String] { Logger.Level.allCases.map(\.rawValue) }
    var defaultValueDescription: String { level.rawValue }
}

/// Loads and checks a graph file, printing every diagnostic; nil when there were errors.
func loadGraph(_ path: String, registry: NodeRegistry, printWarnings: Bool = true) -> (Graph?, [Diagnostic]) {
    let result = GraphLoader(registry: registry).load(path: path)
    return (result.graph, result.diagnostics.sorted)
}
