import BuiltInPlugins
import Foundation
import MediaRouter
import Synchronization
import Testing
import TestSupport

/// A NetGear node waiting for work sits in one blocking call without a timeout (so no timer can
/// wake it), and the event it waits for (a frame on its input, a message, a stop) wakes it.
/// Proved by reading the call the node's thread sleeps in from /proc, not by watching it for a
/// while: with timed polling the call always has a timeout and these tests fail.
@Suite("NetGear waits without polling")
struct IdleWaitTests {
    let registry = NodeRegistry(plugins: builtInPlugins + [CollectSinkPlugin.self, PulseSourcePlugin.self], converters: builtInConverters)

    /// Waits until each thread is asleep in a call without a timeout.
    func asleepWithoutTimeout(_ threads: [String]) async -> Bool {
        await eventually { threads.allSatisfy { ThreadWait.of(threadNamed: $0)?.withoutTimeout == true } }
    }

    func describe(_ threads: [String]) -> String {
        threads.map { name in ThreadWait.of(threadNamed: name).map(\.description) ?? "\(name): running or not found (\(ThreadWait.threads(named: name).count) threads)" }
            .joined(separator: "; ")
    }

    @Test("pattern 1 sender and receiver: idle in one call, a frame wakes both, idle again",
          arguments: [0, 2])
    func requestReply(jpegThreads: Int) async throws {
        let key = uniqueKey("pulse"), sink = uniqueKey("sink"), port = uniquePort()
        let tx = "ngtx\(port)", rx = "ngrx\(port)"
        let graph = try TestGraph("""
            nodes:
              src: {kind: test.pulse, key: \(key)}
              \(tx):
                kind: netgear.send
                input: src
                address: 127.0.0.1
                port: \(port)
                pattern: 1
                jpeg_compression: \(jpegThreads > 0)
                jpeg_threads: \(jpegThreads)
              \(rx): {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: 1}
              out: {kind: test.collect, input: \(rx), key: \(sink)}
            """, registry: registry)
        defer { graph.stop() }
        // The threads that wait: the sender's, the receiver's, and with jpeg_threads the
        // encoder pool's feeder and workers.
        var threads = ["node:\(tx)", "node:\(rx)"]
        if jpegThreads > 0 { threads += ["\(tx).feed"] + (0..<jpegThreads).map { "\(tx).jpeg\($0)" } }
        #expect(await eventually { (graph.counters(tx)?.extra("handshakes") ?? 0) >= 1 })
        #expect(await asleepWithoutTimeout(threads), "\(describe(threads))")
        for n in 1...3 {
            pulse(key)
            #expect(await eventually { collected(sink).count == n }, "got \(collected(sink).count) of \(n)")
            #expect(await eventually { (graph.counters(tx)?.extra("replies") ?? 0) == n })
            #expect(await asleepWithoutTimeout(threads), "after frame \(n): \(describe(threads))")
        }
        // The stop wakes the idle sender at once (its drain would otherwise run into the
        // runtime's 3 s drain timeout and be counted as stopped late).
        #expect(graph.stop(timeout: eventCeiling))
    }

    @Test("pattern 2 sender without a subscriber: idle in one call, each frame wakes it once")
    func publisherAlone() async throws {
        let key = uniqueKey("pulse"), port = uniquePort()
        let tx = "ngpub\(port)"
        let graph = try TestGraph("""
            nodes:
              src: {kind: test.pulse, key: \(key)}
              \(tx): {kind: netgear.send, input: src, address: 127.0.0.1, port: \(port), pattern: 2}
            """, registry: registry)
        defer { graph.stop() }
        let thread = "node:\(tx)"
        #expect(await asleepWithoutTimeout([thread]), "\(describe([thread]))")
        let before = ThreadWait.of(threadNamed: thread)?.voluntarySwitches ?? -1
        pulse(key)
        #expect(await eventually { graph.counters(tx)?.framesOut.load(ordering: .relaxed) == 1 })
        #expect(await asleepWithoutTimeout([thread]), "\(describe([thread]))")
        // The frame cost a few sleeps (the wakeup, the publish), not one per timer period.
        let after = ThreadWait.of(threadNamed: thread)?.voluntarySwitches ?? -1
        #expect(before >= 0 && after > before)
    }
}
