import ArgumentParser

struct FanoutBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fanout", abstract: "Fan-out scaling (see issue 5).")
    func run() throws { print("not yet") }
}

struct RecordBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record", abstract: "Recording cost (see issue 4).")
    func run() throws { print("not yet") }
}
