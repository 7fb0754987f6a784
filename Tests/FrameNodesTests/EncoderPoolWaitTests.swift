import FrameNodes
import MediaRouter
import TestSupport
import Testing

/// `jpeg.encode` with several threads waits for events only: with no input, its node thread,
/// the pool's feeder and every worker sleep in one call without a timeout (read from /proc, see
/// `ThreadWait`), a frame wakes them, and the end of the input ends them all.
@Suite("jpeg.encode waits without polling")
struct EncoderPoolWaitTests {
    let registry = testRegistry([PulseSourcePlugin.self, JPEGEncodePlugin.self, CollectSinkPlugin.self])

    func asleepWithoutTimeout(_ threads: [String]) async -> Bool {
        await eventually { threads.allSatisfy { ThreadWait.of(threadNamed: $0)?.withoutTimeout == true } }
    }

    func describe(_ threads: [String]) -> String {
        threads.map { name in ThreadWait.of(threadNamed: name).map(\.description) ?? "\(name): running or not found" }.joined(separator: "; ")
    }

    @Test("idle: every thread in one call without a timeout; frames wake them; a stop ends them")
    func idleThreads() async throws {
        let key = "encpulse\(freePort())", sink = "encsink\(freePort())"
        resetCollected(sink)
        let enc = "enc\(freePort())"
        let graph = try TestGraph("""
            nodes:
              src: {kind: test.pulse, key: \(key)}
              \(enc): {kind: jpeg.encode, input: src, threads: 3}
              out: {kind: test.collect, input: \(enc), key: \(sink)}
            """, registry: registry)
        let threads = ["node:\(enc)", "\(enc).feed", "\(enc).jpeg0", "\(enc).jpeg1", "\(enc).jpeg2"]
        #expect(await asleepWithoutTimeout(threads), "\(describe(threads))")
        for n in 1...4 {
            pulse(key)
            #expect(await eventually { collected(sink).count == n }, "got \(collected(sink).count) of \(n)")
            #expect(await asleepWithoutTimeout(threads), "after frame \(n): \(describe(threads))")
        }
        #expect(collected(sink).allSatisfy { $0.format == .jpeg })
        #expect(graph.stop(timeout: eventCeiling))
        // Every thread of the pool ended with the graph.
        #expect(await eventually { threads.allSatisfy { ThreadWait.threads(named: $0).isEmpty } }, "\(describe(threads))")
    }
}
