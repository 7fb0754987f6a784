import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// What a reload did, with the located errors of a graph that did not validate.
public struct ReloadResult: Sendable {
    public var record: ReloadRecord
    public var diagnostics: [Diagnostic]
}

/// The live graph as a service of a `ServiceGroup`: it runs the graph until the group shuts
/// down gracefully (then the sources stop, queues drain and recordings finalize), and applies
/// new versions of the graph file while it runs. The control plane and the config watcher join
/// the same group and talk to it.
public final class GraphService: Service, Sendable {
    public let runtime: GraphRuntime
    let loader: GraphLoader
    let logger: Logger
    private let history = Locked(ReloadStats())
    private let running = Event()
    private let startFailed = Atomic<Bool>(false)
    /// Reloads from the file watcher, SIGHUP and the API take turns.
    private let reloadLock = AsyncLock()

    public init(graph: Graph, registry: NodeRegistry, logger: Logger, drainTimeout: Double = 10) {
        runtime = GraphRuntime(graph: graph, registry: registry, logger: logger)
        runtime.drainTimeout = drainTimeout
        loader = GraphLoader(registry: registry)
        self.logger = logger
    }

    public var events: GraphEvents { runtime.events }

    /// The running graph.
    public var graph: Graph { runtime.graph }

    public var reloads: ReloadStats { history.value }

    public func snapshot() -> GraphSnapshot { runtime.snapshot(reloads: history.value) }

    /// An extra reader on a node's output; throws for a node the graph does not have.
    public func tap(_ node: String) throws -> FrameTap { try runtime.tap(node) }

    /// Starts the graph and runs it until it ends or the group shuts down. Throws when a node
    /// cannot start.
    public func run() async throws {
        let runtime = self.runtime
        do {
            try await onDedicatedThread { try runtime.start() }
        } catch {
            startFailed.store(true, ordering: .releasing)
            running.signal()
            events.finish()
            throw error
        }
        runtime.launch()
        running.signal()
        await withGracefulShutdownHandler {
            await runtime.waitUntilFinished()
        } onGracefulShutdown: {
            runtime.stop()
        }
        events.finish()
    }

    /// Stops the graph gracefully.
    public func stop() { runtime.stop() }

    /// Suspends until the graph's nodes have started and run; false when they could not start.
    @discardableResult
    public func waitUntilRunning() async -> Bool {
        let running = self.running
        _ = try? await onDedicatedThread { running.wait() }
        return !startFailed.load(ordering: .acquiring)
    }

    /// Validates a new version of the graph (`text`, or the graph file read again when nil) and,
    /// unless `dryRun`, applies it. A graph that does not validate changes nothing: its errors
    /// are logged located, as `validate` prints them, and returned.
    public func reload(trigger: ReloadRecord.Trigger, text: String? = nil, dryRun: Bool = false) async -> ReloadResult {
        await reloadLock.withLock { await self.reloadLocked(trigger: trigger, text: text, dryRun: dryRun) }
    }

    private func reloadLocked(trigger: ReloadRecord.Trigger, text: String?, dryRun: Bool) async -> ReloadResult {
        let began = Clock.monotonicNanoseconds()
        let current = graph
        let folder = (current.file as NSString).deletingLastPathComponent
        let loaded: GraphLoader.Result
        if let text {
            loaded = loader.load(text: text, file: "request", baseDirectory: folder.isEmpty ? "." : folder)
        } else {
            loaded = loader.load(path: current.file)
        }
        func seconds() -> Double { Double(Clock.monotonicNanoseconds() - began) / 1e9 }
        guard let loadedGraph = loaded.graph, loaded.diagnostics.errors.isEmpty else {
            let errors = loaded.diagnostics.errors
            let record = ReloadRecord(trigger: trigger, outcome: .rejected, errors: errors.map(\.description), seconds: seconds())
            if !dryRun {
                logger.error("reload refused (\(trigger.rawValue)): the new graph has \(errors.count) error\(errors.count == 1 ? "" : "s"); the running graph is unchanged")
                for e in errors { logger.error("\(e.description)") }
                history.withLock { $0.record(record) }
                events.post(GraphEvent(kind: .reloadFailed, message: errors.first?.description, reload: record))
            }
            return ReloadResult(record: record, diagnostics: loaded.diagnostics.items)
        }
        // A graph sent as text (the API) is located as "request" in its errors, but it stands
        // for the graph file: later reloads from disk read that file again.
        let new = { var g = loadedGraph; g.file = current.file; return g }()
        let plan = GraphPlan(from: current, to: new)
        if dryRun {
            return ReloadResult(record: ReloadRecord(trigger: trigger, outcome: .dryRun, plan: plan, seconds: seconds()),
                                diagnostics: loaded.diagnostics.items)
        }
        if plan.isEmpty {
            let record = ReloadRecord(trigger: trigger, outcome: .unchanged, plan: plan, seconds: seconds())
            logger.info("reload (\(trigger.rawValue)): no change")
            history.withLock { $0.record(record) }
            return ReloadResult(record: record, diagnostics: loaded.diagnostics.items)
        }
        logger.notice("reload (\(trigger.rawValue)): \(plan.summary)")
        for line in plan.text.split(separator: "\n") { logger.info("  \(line)") }
        let runtime = self.runtime
        let result = (try? await onDedicatedThread { runtime.apply(new) }) ?? ApplyResult(plan: plan, startErrors: [], seconds: 0)
        let errors = result.startErrors.map { "node '\($0.node)' failed to start: \($0.message)" }
        let record = ReloadRecord(trigger: trigger, outcome: .applied, plan: plan, errors: errors, seconds: seconds())
        history.withLock { $0.record(record) }
        for e in errors { logger.error("\(e)") }
        logger.notice("reload applied in \(String(format: "%.0f", record.seconds * 1000)) ms")
        events.post(GraphEvent(kind: .reload, message: errors.first, reload: record))
        return ReloadResult(record: record, diagnostics: loaded.diagnostics.items)
    }
}
