import Foundation
import Logging
@testable import MediaRouter
import Synchronization
import Testing
import TestSupport

/// Test plugins: a counting source, a recording sink and a node that fails on demand.
struct CountSourcePlugin: NodePlugin {
    static let kind = "test.count"
    static let summary = "emits N frames"
    static let role = NodeRole.source
    static let options: [OptionSpec] = [
        OptionSpec("count", .int(), default: .int(10), doc: "frames"),
        OptionSpec("interval", .duration, default: .duration(0), doc: "pause between frames"),
    ]
    static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw] }
    static func make(_ context: NodeContext) throws -> any Node {
        CountSource(count: context.options.int("count") ?? 10, interval: context.options.duration("interval") ?? 0)
    }
}

final class CountSource: SendableNode {
    let count: Int
    let interval: Double
    let stopped = Event()
    init(count: Int, interval: Double) {
        self.count = count
        self.interval = interval
    }
    func stop() { stopped.signal() }
    func run(_ io: NodeIO) throws {
        let payload = FramePayload(copying: [1, 2, 3])
        for i in 0..<count {
            if stopped.isSet { return }
            io.emit(Frame(format: .gray8, width: 3, height: 1, payload: payload, timestamp: Clock.wallNanoseconds(), sequence: UInt64(i)))
            if interval > 0, stopped.wait(timeout: interval) { return }
        }
    }
}

/// Collects sequence numbers of what it receives, in a registry shared by name.
let collected = Mutex<[String: [UInt64]]>([:])

struct CollectPlugin: NodePlugin {
    static let kind = "test.collect"
    static let summary = "collects sequence numbers"
    static let role = NodeRole.sink
    static let options: [OptionSpec] = [
        OptionSpec("delay", .duration, default: .duration(0), doc: "time per frame"),
        OptionSpec("fail_after", .int(), default: .int(-1), doc: "throw after this many frames"),
    ]
    static let defaultInputQueue = QueueSettings.lossless
    static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg] }
    static func make(_ context: NodeContext) throws -> any Node {
        Collect(name: context.name, delay: context.options.duration("delay") ?? 0, failAfter: context.options.int("fail_after") ?? -1)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String { "deliberate failure" }
}

final class Collect: SendableNode {
    let name: String
    let delay: Double
    let failAfter: Int
    init(name: String, delay: Double, failAfter: Int) {
        self.name = name
        self.delay = delay
        self.failAfter = failAfter
    }
    func run(_ io: NodeIO) throws {
        var n = 0
        while let f = io.receive() {
            collected.withLock { $0[name, default: []].append(f.sequence) }
            n += 1
            if failAfter >= 0 && n >= failAfter { throw TestFailure() }
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        }
    }
}

/// Fails at start the first `failures` times it is made, then runs as a pass-through.
let flakyStarts = Mutex<Int>(0)

struct FlakyPlugin: NodePlugin {
    static let kind = "test.flaky"
    static let summary = "fails to start a few times"
    static let role = NodeRole.transform
    static let options: [OptionSpec] = [OptionSpec("failures", .int(), default: .int(2), doc: "failures before success")]
    static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw] }
    static func make(_ context: NodeContext) throws -> any Node { Flaky(failures: context.options.int("failures") ?? 2) }
}

final class Flaky: SendableNode {
    let failures: Int
    init(failures: Int) { self.failures = failures }
    func run(_ io: NodeIO) throws {
        let attempt = flakyStarts.withLock { v -> Int in v += 1; return v }
        if attempt <= failures { throw TestFailure() }
        while let f = io.receive() { io.emit(f) }
    }
}

let testPlugins: [any NodePlugin.Type] = [CountSourcePlugin.self, CollectPlugin.self, FlakyPlugin.self]

/// Runs a graph until it ends by itself, or until `stopWhen` holds and then as SIGINT stops it.
func runGraph(_ yaml: String, stopWhen: (@Sendable (GraphRuntime) -> Bool)? = nil) async throws -> GraphRuntime {
    let registry = NodeRegistry(plugins: testPlugins)
    let r = GraphLoader(registry: registry).load(text: yaml)
    guard let graph = r.graph else { throw GraphError(r.diagnostics.sorted) }
    let runtime = GraphRuntime(graph: graph, registry: registry, logger: Logger(label: "test"))
    try await onDedicatedThread { try runtime.start() }
    runtime.launch()
    if let stopWhen {
        #expect(await eventually { stopWhen(runtime) }, "the graph never got to where the test stops it")
        runtime.stop()
    }
    #expect(await eventually { runtime.isFinished }, "graph did not finish")
    return runtime
}

@Suite("Runtime", .serialized)
struct RuntimeTests {
    @Test func endOfStreamFlowsDownstreamAndEverythingArrives() async throws {
        collected.withLock { $0["eos_sink"] = [] }
        let rt = try await runGraph("""
            nodes:
              src: {kind: test.count, count: 500}
              eos_sink: {kind: test.collect, input: src}
            """)
        #expect(rt.failures.isEmpty)
        #expect(collected.withLock { $0["eos_sink"] } == Array(0..<500))
    }

    @Test func blockPolicyLosesNothingWithASlowConsumer() async throws {
        collected.withLock { $0["slow_block"] = [] }
        let rt = try await runGraph("""
            nodes:
              src: {kind: test.count, count: 60}
              slow_block: {kind: test.collect, input: src, delay: 2ms, queue: {size: 2, policy: block}}
            """)
        #expect(collected.withLock { $0["slow_block"] } == Array(0..<60))
        #expect(rt.stats().first { $0.name == "slow_block" }?.dropped == 0)
    }

    @Test func dropOldestKeepsTheFreshestFrames() {
        let hub = InputHub()
        let counters = EdgeCounters()
        let e = hub.addEdge(from: "src", QueueSettings(size: 4, policy: .dropOldest), counters: counters)
        let payload = FramePayload(copying: [0])
        for i in 0..<100 {
            hub.push(Frame(format: .gray8, width: 1, height: 1, payload: payload, timestamp: 0, sequence: UInt64(i)), into: e)
        }
        hub.finish(e)
        var got: [UInt64] = []
        while case .frame(let f, _) = hub.next(deadline: nil) { got.append(f.sequence) }
        #expect(got == [96, 97, 98, 99])
        #expect(counters.dropped.load(ordering: .relaxed) == 96)
    }

    @Test func blockPolicyWaitsForSpace() async throws {
        let hub = InputHub()
        let counters = EdgeCounters()
        let e = hub.addEdge(from: "src", QueueSettings(size: 1, policy: .block), counters: counters)
        let payload = FramePayload(copying: [0])
        let pushed = Atomic<Int>(0)
        startThread(name: "producer") {
            for i in 0..<3 {
                hub.push(Frame(format: .gray8, width: 1, height: 1, payload: payload, timestamp: 0, sequence: UInt64(i)), into: e)
                pushed.add(1, ordering: .relaxed)
            }
            hub.finish(e)
        }
        // One frame fits; the second push waits for the consumer.
        #expect(await eventually { pushed.load(ordering: .relaxed) == 1 && hub.waitingThreads == 1 }, "the producer did not block")
        #expect(pushed.load(ordering: .relaxed) == 1)
        let got = try await onDedicatedThread { () -> [UInt64] in
            var got: [UInt64] = []
            while case .frame(let f, _) = hub.next(deadline: nil) { got.append(f.sequence) }
            return got
        }
        #expect(got == [0, 1, 2])
        #expect(counters.dropped.load(ordering: .relaxed) == 0)
    }

    @Test func fanOutSharesOnePayload() throws {
        let hub1 = InputHub(), hub2 = InputHub()
        let outputs = OutputSet()
        outputs.add(hub1.addEdge(from: "x", .lossless))
        outputs.add(hub2.addEdge(from: "x", .lossless))
        let io = NodeIO(name: "x", logger: Logger(label: "t"), counters: NodeCounters(), hub: nil,
                        outputs: outputs, accepts: [], converters: [:])
        io.emit(Frame(format: .gray8, width: 1, height: 1, payload: FramePayload(copying: [7]), timestamp: 0, sequence: 0))
        guard case .frame(let a, _) = hub1.next(deadline: nil), case .frame(let b, _) = hub2.next(deadline: nil) else {
            Issue.record("no frames"); return
        }
        #expect(a.payload === b.payload)
    }

    @Test func nodeFailureStopsTheGraphAndNamesTheNode() async throws {
        collected.withLock { $0["failing"] = [] }
        let rt = try await runGraph("""
            nodes:
              src: {kind: test.count, count: 1000000, interval: 1ms}
              failing: {kind: test.collect, input: src, fail_after: 5}
            """)
        #expect(rt.failures.count == 1)
        #expect(rt.failures.first?.node == "failing")
        #expect(rt.failures.first?.message.contains("deliberate failure") == true)
    }

    @Test func restartPolicyRestartsAFailingNode() async throws {
        flakyStarts.withLock { $0 = 0 }
        collected.withLock { $0["after_flaky"] = [] }
        let rt = try await runGraph("""
            nodes:
              src: {kind: test.count, count: 1000000, interval: 2ms}
              flaky: {kind: test.flaky, input: src, failures: 2, restart: {policy: on-failure, backoff: 50ms}}
              after_flaky: {kind: test.collect, input: flaky}
            """, stopWhen: { rt in
                rt.counters(of: "flaky")?.extra("restarts") == 2 && (collected.withLock { $0["after_flaky"]?.count } ?? 0) > 10
            })
        #expect(rt.failures.isEmpty, "\(rt.failures)")
        #expect(rt.counters(of: "flaky")?.extra("restarts") == 2)
        #expect((collected.withLock { $0["after_flaky"]?.count } ?? 0) > 10)
    }

    @Test func restartLimitGivesUp() async throws {
        flakyStarts.withLock { $0 = 0 }
        collected.withLock { $0["never"] = [] }
        let rt = try await runGraph("""
            nodes:
              src: {kind: test.count, count: 1000000, interval: 2ms}
              flaky: {kind: test.flaky, input: src, failures: 100, restart: {policy: on-failure, backoff: 10ms, max_restarts: 2}}
              never: {kind: test.collect, input: flaky}
            """)
        #expect(rt.failures.first?.node == "flaky")
        #expect(rt.failures.first?.message.contains("gave up after 2 restarts") == true)
    }

    @Test func stopDrainsQueuesBeforeEnding() async throws {
        collected.withLock { $0["drain"] = [] }
        let rt = try await runGraph("""
            nodes:
              src: {kind: test.count, count: 1000000}
              drain: {kind: test.collect, input: src, delay: 1ms, queue: {size: 50, policy: block}}
            """, stopWhen: { rt in
                // Stopped while the slow sink still has a queue to drain.
                (rt.counters(of: "src")?.framesOut.load(ordering: .relaxed) ?? 0) >= 200
            })
        let got = collected.withLock { $0["drain"] } ?? []
        let emitted = rt.counters(of: "src")?.framesOut.load(ordering: .relaxed) ?? -1
        // Everything the source emitted reached the sink, in order.
        #expect(got.count == emitted)
        #expect(got == Array(0..<UInt64(got.count)))
        #expect(rt.failures.isEmpty)
    }
}
