import Foundation
import Logging
@testable import MediaRouter
import Synchronization
import Testing
import TestSupport

/// Start attempts of `test.startfail` nodes, by node name.
let startAttempts = Mutex<[String: Int]>([:])

/// A pass-through whose `start` throws the first `failures` times a node of it is made (a port
/// still in use, a camera not plugged in yet); `restart_default` gives the kind a default
/// restart policy, as gst.record and netgear.send have.
struct StartFailPlugin: NodePlugin {
    static let kind = "test.startfail"
    static let summary = "fails to start a few times"
    static let role = NodeRole.transform
    static let options: [OptionSpec] = [OptionSpec("failures", .int(), default: .int(2), doc: "start failures before success")]
    static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw] }
    static func make(_ context: NodeContext) throws -> any Node {
        StartFail(name: context.name, failures: context.options.int("failures") ?? 2)
    }
}

/// The same node kind with a default restart policy of its own.
struct StartFailDefaultingPlugin: NodePlugin, RestartDefaulting {
    static let kind = "test.startfail_defaulting"
    static let summary = "fails to start a few times; restarts on failure by default"
    static let role = NodeRole.transform
    static let options = StartFailPlugin.options
    static let defaultRestart = RestartPolicy(mode: .onFailure, backoff: 0.01, maxBackoff: 0.01)
    static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw] }
    static func make(_ context: NodeContext) throws -> any Node { try StartFailPlugin.make(context) }
}

struct StartFailure: Error, CustomStringConvertible {
    var description: String { "address already in use" }
}

final class StartFail: SendableNode {
    let name: String
    let failures: Int
    init(name: String, failures: Int) {
        self.name = name
        self.failures = failures
    }
    func start() throws {
        let attempt = startAttempts.withLock { $0[name, default: 0] += 1; return $0[name]! }
        if attempt <= failures { throw StartFailure() }
    }
    func run(_ io: NodeIO) throws {
        while let f = io.receive() { io.emit(f) }
    }
}

@Suite("Runtime: failures to start")
struct StartRestartTests {
    let registry = NodeRegistry(plugins: [CountSourcePlugin.self, CollectPlugin.self, StartFailPlugin.self, StartFailDefaultingPlugin.self])

    func runtime(_ yaml: String) throws -> GraphRuntime {
        let r = GraphLoader(registry: registry).load(text: yaml)
        guard let graph = r.graph else { throw GraphError(r.diagnostics.sorted) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return GraphRuntime(graph: graph, registry: registry, logger: logger)
    }


    @Test func aNodeThatFailsToStartIsRetriedUnderItsRestartPolicyAndThenRuns() async throws {
        startAttempts.withLock { $0["late"] = 0 }
        collected.withLock { $0["after_late"] = [] }
        let rt = try runtime("""
            nodes:
              src: {kind: test.count, count: 1000000, interval: 2ms}
              late: {kind: test.startfail, input: src, failures: 2, restart: {policy: on-failure, backoff: 20ms}}
              after_late: {kind: test.collect, input: late}
            """)
        try rt.start()
        rt.launch()
        #expect(await eventually { (collected.withLock { $0["after_late"]?.count } ?? 0) > 10 }, "frames never flowed through the restarted node")
        #expect(rt.failures.isEmpty, "\(rt.failures)")
        #expect(rt.counters(of: "late")?.extra("restarts") == 2)
        #expect(startAttempts.withLock { $0["late"] } == 3)
        rt.stop()
        await rt.waitUntilFinished()
    }

    @Test func aNodeThatNeverStartsFailsAfterItsRestartBudget() async throws {
        startAttempts.withLock { $0["never_starts"] = 0 }
        let rt = try runtime("""
            nodes:
              src: {kind: test.count, count: 1000000, interval: 2ms}
              never_starts: {kind: test.startfail, input: src, failures: 1000, restart: {policy: on-failure, backoff: 10ms, max_restarts: 3}}
              sink: {kind: test.collect, input: never_starts}
            """)
        try rt.start()
        rt.launch()
        await rt.waitUntilFinished()
        #expect(rt.failures.map(\.node) == ["never_starts"])
        #expect(rt.failures.first?.message.contains("address already in use") == true, "\(rt.failures)")
        #expect(rt.failures.first?.message.contains("gave up after 3 restarts") == true, "\(rt.failures)")
        #expect(startAttempts.withLock { $0["never_starts"] } == 4)
    }

    @Test func withoutARestartPolicyAFailureToStartStopsTheLaunch() throws {
        startAttempts.withLock { $0["plain"] = 0 }
        let rt = try runtime("""
            nodes:
              src: {kind: test.count, count: 10}
              plain: {kind: test.startfail, input: src, failures: 1}
              sink: {kind: test.collect, input: plain}
            """)
        #expect { try rt.start() } throws: { "\($0)".contains("node 'plain' (test.startfail) failed to start: address already in use") }
    }

    @Test("a kind's default restart policy covers failures while running; a failure to start at launch stays fatal unless the graph asks for restarts")
    func kindDefaultsDoNotRetryALaunchThatCannotStart() throws {
        startAttempts.withLock { $0["defaulted"] = 0 }
        let rt = try runtime("""
            nodes:
              src: {kind: test.count, count: 10}
              defaulted: {kind: test.startfail_defaulting, input: src, failures: 1}
              sink: {kind: test.collect, input: defaulted}
            """)
        #expect(rt.graph.node(named: "defaulted")?.restart.mode == .onFailure)
        #expect { try rt.start() } throws: { "\($0)".contains("node 'defaulted' (test.startfail_defaulting) failed to start") }
    }
}
