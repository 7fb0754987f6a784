import ArgumentParser

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage CurveZMQ keys in vidgear's layout (<location>/.vidgear/keys).",
        subcommands: []
    )
}
