import ArgumentParser
import ControlPlane
import Foundation
import MediaRouter

/// The cost of one `/metrics` scrape: rendering a snapshot of an N-node chain (counters,
/// gauges, drops, a latency histogram each) as Prometheus text, as the control plane does.
struct MetricsBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Time a /metrics scrape of an N-node graph.")

    @Option var nodes = 100
    @Option var scrapes = 50

    func run() throws {
        let recorder = LatencyRecorder()
        for i in 0..<1000 { recorder.record(nanoseconds: Int64(i) * 100_000) }
        let list = (0..<nodes).map { i in
            NodeSnapshot(name: "node\(i)", kind: "frame.passthrough", role: "transform", state: .running, since: Date(),
                         counters: ["frames_in": i * 10, "frames_out": i * 10, "bytes_in": i, "bytes_out": i, "dropped": 1, "errors": 0],
                         drops: ["queue_full": 1], gauges: ["peers": 2], latency: recorder.snapshot)
        }
        let edges = (1..<nodes).map { EdgeSnapshot(from: "node\($0 - 1)", to: "node\($0)", queueSize: 8, policy: .dropOldest, depth: 1, maxDepth: 8, drops: ["queue_full": 2]) }
        let snapshot = GraphSnapshot(graph: "bench", file: "/bench.yaml", startedAt: Date(), uptimeSeconds: 1, stopping: false,
                                     nodes: list, edges: edges, reloads: ReloadStats())
        let exporter = MetricsExporter()
        var text = exporter.render(snapshot)
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<scrapes {
            let d = clock.measure { text = exporter.render(snapshot) }
            times.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
        }
        times.sort()
        print(hostDescription())
        print("metrics scrape of \(nodes) nodes (\(text.split(separator: "\n").count) lines, \(text.utf8.count / 1024) KB): median \(String(format: "%.2f", times[times.count / 2])) ms, min \(String(format: "%.2f", times[0])) ms, max \(String(format: "%.2f", times.last!)) ms over \(scrapes) scrapes")
    }
}
