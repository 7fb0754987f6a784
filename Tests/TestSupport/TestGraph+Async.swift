import Foundation
import MediaRouter

/// TestGraph for async tests: starting a graph (pipeline state changes) and waiting for it to
/// end block a thread, so these do it on a thread of their own and suspend meanwhile.
extension TestGraph {
    /// Loads, checks and starts a graph like `init`, off the cooperative pool.
    public static func start(_ yaml: String, registry: NodeRegistry,
                             baseDirectory: String = NSTemporaryDirectory()) async throws -> TestGraph {
        try await onDedicatedThread(name: "test-graph-start") {
            try TestGraph(yaml, registry: registry, baseDirectory: baseDirectory)
        }
    }

    /// Stops the graph as SIGINT would and waits, off the cooperative pool, until it ended or
    /// `timeout` passed; returns whether it ended.
    public func stopped(timeout: Double = eventCeiling) async -> Bool {
        (try? await onDedicatedThread(name: "test-graph-stop") { self.stop(timeout: timeout) }) ?? false
    }

    /// Waits, off the cooperative pool, until the graph ends by itself or `timeout` passes;
    /// returns whether it ended.
    public func ended(timeout: Double = eventCeiling) async -> Bool {
        (try? await onDedicatedThread(name: "test-graph-wait") { self.runtime.wait(timeout: timeout) }) ?? false
    }
}
