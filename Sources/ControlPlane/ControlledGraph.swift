import MediaRouter

/// What the control plane needs of the running graph. `GraphService` is the one conformance
/// (see GraphService+ControlledGraph.swift); the protocol keeps the server's code to these
/// few calls.
public protocol ControlledGraph: Sendable {
    /// The running graph (its file, name, and `control:` settings).
    var runningGraph: Graph { get }
    func snapshot() -> GraphSnapshot
    var graphEvents: GraphEvents { get }
    /// Validates and applies (or with `dryRun` only plans) a new version of the graph; `text`
    /// nil reads the graph file again.
    func reload(text: String?, dryRun: Bool) async -> ControlReloadResult
    /// An extra reader on `node`'s output; throws for an unknown node.
    func tap(_ node: String) throws -> FrameTap
}

/// The outcome of a reload as the API reports it.
public struct ControlReloadResult: Sendable {
    public var record: ReloadRecord
    public var diagnostics: [Diagnostic]

    public init(record: ReloadRecord, diagnostics: [Diagnostic]) {
        self.record = record
        self.diagnostics = diagnostics
    }
}
