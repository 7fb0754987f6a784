import Foundation
import Logging
@testable import MediaRouter
import Synchronization
import Testing
import TestSupport

/// What the live-graph test nodes did, by node name.
struct LiveLog: Sendable {
    /// Runs started (a replaced node runs again).
    var runs = 0
    /// Times `receive()` reported the end of the input to a sink.
    var ends = 0
    /// (tag, sequence) of each frame a sink took, in order.
    var frames: [(tag: String, sequence: UInt64)] = []
}

let liveLog = Mutex<[String: LiveLog]>([:])

func live(_ name: String) -> LiveLog { liveLog.withLock { $0[name] ?? LiveLog() } }

/// `live.tick`: emits numbered frames tagged with its `tag` until stopped.
struct TickPlugin: NodePlugin {
    static let kind = "live.tick"
    static let summary = "emits tagged frames until stopped"
    static let role = NodeRole.source
    static let options: [OptionSpec] = [
        OptionSpec("tag", .string, default: .string("a"), doc: "put in each frame's metadata"),
        OptionSpec("interval", .duration, default: .duration(0.002), doc: "pause between frames"),
        OptionSpec("key", .string, doc: "log under this name (default: the node name)"),
        OptionSpec("hold", .string, doc: "start() waits until the test opens this gate"),
    ]
    static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw] }
    static func make(_ context: NodeContext) throws -> any Node {
        if let hold = context.options.string("hold") {
            liveLog.withLock { $0[hold, default: LiveLog()].runs += 1 }
            holdGate(hold).wait()
        }
        return TickNode(name: context.options.string("key") ?? context.name, tag: context.options.string("tag") ?? "a",
                 interval: context.options.duration("interval") ?? 0.002)
    }
}

final class TickNode: SendableNode {
    let name: String, tag: String, interval: Double
    let stopped = Event()
    init(name: String, tag: String, interval: Double) {
        self.name = name
        self.tag = tag
        self.interval = interval
    }
    func stop() { stopped.signal() }
    func run(_ io: NodeIO) throws {
        liveLog.withLock { $0[name, default: LiveLog()].runs += 1 }
        let payload = FramePayload(copying: [1, 2, 3])
        var i: UInt64 = 0
        while !stopped.isSet {
            io.emit(Frame(format: .gray8, width: 3, height: 1, payload: payload, timestamp: Clock.wallNanoseconds(),
                          sequence: i, metadata: .object([("tag", .string(tag))])))
            i += 1
            if stopped.wait(timeout: interval) { break }
        }
    }
}

/// `live.sink`: logs what it takes; `label` exists only so a test can change the node.
struct LiveSinkPlugin: NodePlugin {
    static let kind = "live.sink"
    static let summary = "logs frames"
    static let role = NodeRole.sink
    static let options: [OptionSpec] = [
        OptionSpec("label", .string, default: .string(""), doc: "changes nothing but the node"),
        OptionSpec("fail_start", .bool, default: .bool(false), doc: "fail to start"),
    ]
    static let defaultInputQueue = QueueSettings(size: 100_000, policy: .block)
    static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw] }
    static func make(_ context: NodeContext) throws -> any Node {
        if context.options.bool("fail_start") { throw RouterError(.startFailed, "asked to fail") }
        return LiveSink(name: context.name)
    }
}

final class LiveSink: SendableNode {
    let name: String
    init(name: String) { self.name = name }
    func run(_ io: NodeIO) throws {
        liveLog.withLock { $0[name, default: LiveLog()].runs += 1 }
        while let f = io.receive() {
            let tag = f.metadata["tag"]?.stringValue ?? "?"
            liveLog.withLock { $0[name, default: LiveLog()].frames.append((tag, f.sequence)) }
        }
        liveLog.withLock { $0[name, default: LiveLog()].ends += 1 }
    }
}

let holdGates = Mutex<[String: Event]>([:])

func holdGate(_ name: String) -> Event { holdGates.withLock { g in g[name] ?? { let e = Event(); g[name] = e; return e }() } }

let liveRegistry = testRegistry([TickPlugin.self, LiveSinkPlugin.self])

/// A GraphService running in this process.
final class LiveService: Sendable {
    let service: GraphService
    let task: Task<Void, Error>

    init(_ yaml: String) async throws {
        let r = GraphLoader(registry: liveRegistry).load(text: yaml, file: "live.yaml", baseDirectory: NSTemporaryDirectory())
        guard let graph = r.graph else { throw GraphError(r.diagnostics.sorted) }
        var logger = Logger(label: "live")
        logger.logLevel = ProcessInfo.processInfo.environment["MR_TEST_LOG"] != nil ? .debug : .critical
        let service = GraphService(graph: graph, registry: liveRegistry, logger: logger, drainTimeout: 5)
        self.service = service
        task = Task { try await service.run() }
        #expect(await service.waitUntilRunning())
    }

    func reload(_ yaml: String) async -> ReloadResult { await service.reload(trigger: .api, text: yaml) }

    func frames(_ name: String) -> Int { live(name).frames.count }

    /// Waits until the sink `name` has `n` more frames than now.
    func flows(_ name: String, more n: Int = 20) async -> Bool {
        let start = frames(name)
        return await eventually { self.frames(name) >= start + n }
    }

    func stop() async {
        service.stop()
        _ = try? await task.value
    }
}

/// Unique node names per test, since the log is shared by the whole process.
func names(_ prefix: String, _ n: Int) -> [String] {
    let id = UUID().uuidString.prefix(6).lowercased()
    return (0..<n).map { "\(prefix)\(id)_\($0)" }
}

@Suite("The live graph: reloading by node name")
struct LiveGraphTests {
    @Test func anUnchangedNodeKeepsRunningWhileItsNeighbourIsReplaced() async throws {
        let n = names("keep", 3)
        let (src, a, b) = (n[0], n[1], n[2])
        let g = try await LiveService("""
            nodes:
              \(src): {kind: live.tick}
              \(a): {kind: live.sink, input: \(src)}
              \(b): {kind: live.sink, input: \(src), label: one}
            """)
        #expect(await g.flows(a))
        let r = await g.reload("""
            nodes:
              \(src): {kind: live.tick}
              \(a): {kind: live.sink, input: \(src)}
              \(b): {kind: live.sink, input: \(src), label: two}
            """)
        #expect(r.record.outcome == .applied, "\(r.record)")
        #expect(r.record.plan?.nodes.first { $0.name == b }?.action.name == "replace")
        #expect(await g.flows(a))
        #expect(await g.flows(b))
        // The kept sink and the source ran once and never saw an end; the replaced sink ran
        // twice and its first run saw the end of its input, not its successor.
        #expect(live(src).runs == 1)
        #expect(live(a).runs == 1 && live(a).ends == 0)
        #expect(live(b).runs == 2 && live(b).ends == 1)
        let snap = g.service.snapshot()
        #expect(snap.node(b)?.replacements == 1)
        #expect(snap.node(a)?.replacements == 0)
        #expect(snap.reloads.applied == 1)
        // An unchanged edge with a blocking queue loses and repeats nothing: the kept sink has
        // every frame, in order, across the reload.
        await g.stop()
        let seqs = live(a).frames.map(\.sequence)
        #expect(seqs == Array(0..<UInt64(seqs.count)))
        #expect(g.service.snapshot().node(a)?.state == .stopped)
    }

    @Test func aReplacedSourceFeedsTheSameConsumerWithoutAnEndOfStream() async throws {
        let n = names("src", 2)
        let (src, sink) = (n[0], n[1])
        let g = try await LiveService("""
            nodes:
              \(src): {kind: live.tick, tag: old}
              \(sink): {kind: live.sink, input: \(src)}
            """)
        #expect(await g.flows(sink))
        let r = await g.reload("""
            nodes:
              \(src): {kind: live.tick, tag: new}
              \(sink): {kind: live.sink, input: \(src)}
            """)
        #expect(r.record.outcome == .applied)
        #expect(await eventually { live(sink).frames.last?.tag == "new" })
        #expect(live(sink).runs == 1 && live(sink).ends == 0, "the consumer saw no end of stream")
        #expect(live(src).runs == 2)
        // Frames of the old source came first, then only the new one's: none mixed, none twice.
        let tags = live(sink).frames.map(\.tag)
        let firstNew = try #require(tags.firstIndex(of: "new"))
        #expect(tags[..<firstNew].allSatisfy { $0 == "old" } && tags[firstNew...].allSatisfy { $0 == "new" })
        let newSeqs = live(sink).frames[firstNew...].map(\.sequence)
        #expect(newSeqs == Array(0..<UInt64(newSeqs.count)))
        await g.stop()
    }

    @Test func removedNodesDrainAndAddedNodesStart() async throws {
        let n = names("addrm", 3)
        let (src, a, b) = (n[0], n[1], n[2])
        let g = try await LiveService("""
            nodes:
              \(src): {kind: live.tick}
              \(a): {kind: live.sink, input: \(src)}
            """)
        #expect(await g.flows(a))
        var r = await g.reload("""
            nodes:
              \(src): {kind: live.tick}
              \(a): {kind: live.sink, input: \(src)}
              \(b): {kind: live.sink, input: \(src)}
            """)
        #expect(r.record.outcome == .applied)
        #expect(await g.flows(b))
        #expect(g.service.snapshot().edges.contains { $0.from == src && $0.to == b })
        r = await g.reload("""
            nodes:
              \(src): {kind: live.tick}
              \(b): {kind: live.sink, input: \(src)}
            """)
        #expect(r.record.outcome == .applied)
        // The removed sink took what its queue held and then saw the end of its input.
        #expect(live(a).ends == 1)
        #expect(g.service.snapshot().node(a) == nil)
        #expect(!g.service.snapshot().edges.contains { $0.to == a })
        let before = g.frames(a)
        #expect(await g.flows(b))
        #expect(g.frames(a) == before)
        #expect(live(b).runs == 1 && live(src).runs == 1)
        await g.stop()
    }

    @Test func anInvalidGraphChangesNothingAndSaysWhere() async throws {
        let n = names("bad", 2)
        let (src, sink) = (n[0], n[1])
        let yaml = """
            nodes:
              \(src): {kind: live.tick}
              \(sink): {kind: live.sink, input: \(src)}
            """
        let g = try await LiveService(yaml)
        #expect(await g.flows(sink))
        for bad in [
            "nodes:\n  \(src): {kind: live.tick\n",                                     // syntax
            "nodes:\n  \(src): {kind: live.tick, colour: red}\n  \(sink): {kind: live.sink, input: \(src)}\n", // unknown option
            "nodes:\n  \(src): {kind: live.sink, input: \(sink)}\n  \(sink): {kind: live.sink, input: \(src)}\n", // a cycle
            "",                                                                             // empty
        ] {
            let r = await g.reload(bad)
            #expect(r.record.outcome == .rejected, "\(bad)")
            #expect(!r.record.errors.isEmpty)
            #expect(r.record.errors.allSatisfy { $0.hasPrefix("request:") }, "\(r.record.errors)")
        }
        let snap = g.service.snapshot()
        #expect(snap.reloads.failed == 4 && snap.reloads.applied == 0)
        #expect(snap.reloads.lastError != nil)
        #expect(live(src).runs == 1 && live(sink).runs == 1)
        #expect(await g.flows(sink))
        #expect(await g.reload(yaml).record.outcome == .unchanged)
        await g.stop()
    }

    @Test func aNodeThatCannotStartWaitsForTheNextReload() async throws {
        let n = names("fix", 3)
        let (src, a, b) = (n[0], n[1], n[2])
        let g = try await LiveService("""
            nodes:
              \(src): {kind: live.tick}
              \(a): {kind: live.sink, input: \(src)}
            """)
        #expect(await g.flows(a))
        var r = await g.reload("""
            nodes:
              \(src): {kind: live.tick}
              \(a): {kind: live.sink, input: \(src)}
              \(b): {kind: live.sink, input: \(src), fail_start: true}
            """)
        #expect(r.record.outcome == .applied)
        #expect(r.record.errors.contains { $0.contains(b) && $0.contains("asked to fail") }, "\(r.record.errors)")
        #expect(g.service.snapshot().node(b)?.state == .failed)
        // The rest runs on, and the failed node's queue does not hold the source back.
        #expect(await g.flows(a, more: 200))
        r = await g.reload("""
            nodes:
              \(src): {kind: live.tick}
              \(a): {kind: live.sink, input: \(src)}
              \(b): {kind: live.sink, input: \(src)}
            """)
        #expect(r.record.errors.isEmpty)
        #expect(await g.flows(b))
        #expect(g.service.snapshot().node(b)?.state == .running)
        await g.stop()
    }

    @Test func aTapSeesANodesOutputAndDetaches() async throws {
        let n = names("tap", 2)
        let (src, sink) = (n[0], n[1])
        let g = try await LiveService("""
            nodes:
              \(src): {kind: live.tick}
              \(sink): {kind: live.sink, input: \(src)}
            """)
        let tap = try g.service.tap(src)
        let first = await tap.next()
        let second = await tap.next()
        #expect(first != nil && second != nil)
        #expect(second!.sequence > first!.sequence, "each next() returns a newer frame")
        tap.close()
        #expect(await tap.next() == nil)
        #expect(g.service.runtime.supervisor(src)?.outputs.tapCount == 0)
        #expect(throws: RouterError.self) { try g.service.tap("no-such-node") }
        // The tap took nothing from the graph: the sink has every frame.
        await g.stop()
        let seqs = live(sink).frames.map(\.sequence)
        #expect(seqs == Array(0..<UInt64(seqs.count)))
    }

    @Test func aStopWhileANodeStartsAgainStopsTheNewNodeToo() async throws {
        // A supervisor told to stop while its replacement is being made must not leave the new
        // node running until the drain timeout.
        let n = names("stoprestart", 3)
        let (src, sink, gate) = (n[0], n[1], n[2])
        let g = try await LiveService("""
            nodes:
              \(src): {kind: live.tick}
              \(sink): {kind: live.sink, input: \(src)}
            """)
        #expect(await g.flows(sink))
        let reload = Task { await g.reload("""
            nodes:
              \(src): {kind: live.tick, hold: \(gate)}
              \(sink): {kind: live.sink, input: \(src)}
            """) }
        // The new source is being made (its make waits at the gate) when the stop lands.
        #expect(await eventually { live(gate).runs == 1 })
        let s = try #require(g.service.runtime.supervisor(src))
        s.stop(.now)
        holdGate(gate).signal()
        #expect(await eventually { s.done.isSet }, "the supervisor ended instead of running its new node")
        #expect(live(src).runs == 1, "the new source never ran")
        _ = await reload.value
        await g.stop()
    }

    @Test func theSnapshotRoundTripsThroughJSON() async throws {
        let n = names("snap", 2)
        let g = try await LiveService("""
            nodes:
              \(n[0]): {kind: live.tick}
              \(n[1]): {kind: live.sink, input: \(n[0])}
            """)
        #expect(await g.flows(n[1]))
        let snap = g.service.snapshot()
        let data = try JSONEncoder().encode(snap)
        let back = try JSONDecoder().decode(GraphSnapshot.self, from: data)
        #expect(back == snap)
        #expect(snap.node(n[0])?.state == .running)
        #expect(snap.node(n[1])?.inputs == [n[0]])
        #expect((snap.node(n[0])?.counters["frames_out"] ?? 0) > 0)
        #expect(snap.edges.first?.policy == .block)
        await g.stop()
    }

    @Test func aReloadFromTextStillStandsForTheGraphFile() async throws {
        let n = names("file", 2)
        let dir = TestPaths.temporaryDirectory("live-file")
        let path = dir + "/graph.yaml"
        let yaml = { (label: String) in "nodes:\n  \(n[0]): {kind: live.tick}\n  \(n[1]): {kind: live.sink, input: \(n[0]), label: \(label)}\n" }
        try yaml("a").write(toFile: path, atomically: true, encoding: .utf8)
        let r = GraphLoader(registry: liveRegistry).load(path: path)
        let graph = try #require(r.graph)
        let service = GraphService(graph: graph, registry: liveRegistry, logger: Logger(label: "live"), drainTimeout: 5)
        let task = Task { try await service.run() }
        #expect(await service.waitUntilRunning())
        #expect(await service.reload(trigger: .api, text: yaml("b")).record.outcome == .applied)
        #expect(service.graph.file == path)
        try yaml("c").write(toFile: path, atomically: true, encoding: .utf8)
        let fromDisk = await service.reload(trigger: .file)
        #expect(fromDisk.record.outcome == .applied, "\(fromDisk.record.errors)")
        service.stop()
        _ = try? await task.value
    }

    @Test func latencyIsAHistogram() {
        let r = LatencyRecorder()
        for ms in [1, 2, 3, 4, 20, 40, 900] { r.record(nanoseconds: Int64(ms) * 1_000_000) }
        let h = r.snapshot
        #expect(h.count == 7)
        #expect(h.counts.reduce(0, +) == 7)
        #expect(abs(h.sum - 0.970) < 1e-9)
        #expect(h.quantile(0.5) == 0.005)
        #expect(h.quantile(1) == 1)
    }
}
