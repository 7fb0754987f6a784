@testable import ControlPlane
import Foundation
import MediaRouter
import Testing

@Suite("Prometheus metrics from snapshots")
struct MetricsExporterTests {
    static func snapshot(frames: Int, state: NodeState = .running, withNode: Bool = true) -> GraphSnapshot {
        let recorder = LatencyRecorder()
        for ns: Int64 in [500_000, 500_000, 5_000_000, 5_000_000, 5_000_000, 200_000_000] { recorder.record(nanoseconds: ns) }
        let latency = recorder.snapshot
        var nodes = [
            NodeSnapshot(name: "cam", kind: "frame.generate", role: "source", state: state, since: Date(), restarts: 1,
                         counters: ["frames_out": frames, "bytes_out": frames * 100, "handshakes": 2],
                         drops: ["queue_full": 3], gauges: ["segment_bytes": 42], latency: latency),
        ]
        if withNode {
            nodes.append(NodeSnapshot(name: "net \"x\"", kind: "netgear.send", role: "sink", state: .failed, since: Date(),
                                      counters: ["frames_in": frames],
                                      peers: [PeerSnapshot(id: "1", fingerprint: "aaaa:bbbb:cccc:dddd", address: "10.0.0.9:5555")]))
        }
        return GraphSnapshot(graph: "demo", file: "/g.yaml", startedAt: Date(), uptimeSeconds: 12.5, stopping: false, nodes: nodes,
                             edges: [EdgeSnapshot(from: "cam", to: "net \"x\"", queueSize: 4, policy: .dropOldest, depth: 2, maxDepth: 4,
                                                  drops: ["queue_full": 7])],
                             reloads: ReloadStats())
    }

    @Test func theTextParsesAndCountsWhatTheGraphDid() throws {
        let exporter = MetricsExporter()
        let m = try PrometheusText(exporter.render(Self.snapshot(frames: 10)))
        #expect(m.value("mediarouter_node_frames_sent_total", ["node": "cam", "graph": "demo"]) == 10)
        #expect(m.value("mediarouter_node_sent_bytes_total", ["node": "cam"]) == 1000)
        #expect(m.value("mediarouter_node_frames_received_total", ["node": "net \"x\""]) == 10)
        #expect(m.value("mediarouter_node_dropped_frames_total", ["node": "cam", "reason": "queue_full"]) == 3)
        #expect(m.value("mediarouter_edge_dropped_frames_total", ["from": "cam", "to": "net \"x\"", "reason": "queue_full"]) == 7)
        #expect(m.value("mediarouter_edge_queue_depth", ["from": "cam"]) == 2)
        #expect(m.value("mediarouter_node_handshakes_total", ["node": "cam"]) == 2)
        #expect(m.value("mediarouter_node_restarts_total", ["node": "cam"]) == 1)
        #expect(m.value("mediarouter_node_peers", ["node": "net \"x\""]) == 1)
        #expect(m.value("mediarouter_node_state", ["node": "net \"x\""]) == Double(NodeState.failed.ordinal))
        #expect(m.value("mediarouter_node_segment_bytes", ["node": "cam"]) == 42)
        #expect(m.types["mediarouter_node_latency_seconds"] == "histogram")
        #expect(m.value("mediarouter_node_latency_seconds_bucket", ["node": "cam", "le": "0.001"]) == 2)
        #expect(m.value("mediarouter_node_latency_seconds_bucket", ["node": "cam", "le": "0.01"]) == 5)
        #expect(m.value("mediarouter_node_latency_seconds_bucket", ["node": "cam", "le": "+Inf"]) == 6)
        #expect(m.value("mediarouter_node_latency_seconds_count", ["node": "cam"]) == 6)
        #expect(abs((m.value("mediarouter_node_latency_seconds_sum", ["node": "cam"]) ?? 0) - 0.216) < 1e-9)
        // Naming rules: counters end in _total, labels are only the allowed few.
        for (name, type) in m.types {
            #expect(name.hasPrefix("mediarouter_"))
            #expect((type == "counter") == name.hasSuffix("_total"), "\(name) is a \(type)")
        }
        let allowed: Set<String> = ["graph", "node", "from", "to", "reason", "le"]
        for s in m.samples { #expect(Set(s.labels.keys).isSubset(of: allowed), "\(s)") }
        // Never a peer's address or key.
        let text = exporter.render(Self.snapshot(frames: 10))
        #expect(!text.contains("10.0.0.9") && !text.contains("aaaa:bbbb"))
    }

    @Test func laterScrapesFollowTheCountersAndForgetRemovedNodes() throws {
        let exporter = MetricsExporter()
        _ = exporter.render(Self.snapshot(frames: 10))
        var m = try PrometheusText(exporter.render(Self.snapshot(frames: 25)))
        #expect(m.value("mediarouter_node_frames_sent_total", ["node": "cam"]) == 25)
        // A node made again starts from zero (Prometheus reads a reset).
        m = try PrometheusText(exporter.render(Self.snapshot(frames: 4)))
        #expect(m.value("mediarouter_node_frames_sent_total", ["node": "cam"]) == 4)
        m = try PrometheusText(exporter.render(Self.snapshot(frames: 5, withNode: false)))
        #expect(m.value("mediarouter_node_frames_received_total", ["node": "net \"x\""]) == nil)
        #expect(m.value("mediarouter_node_frames_sent_total", ["node": "cam"]) == 5)
    }

    @Test func aScrapeOfAHundredNodesIsQuick() throws {
        let nodes = (0..<100).map { i in
            NodeSnapshot(name: "n\(i)", kind: "frame.passthrough", role: "transform", state: .running, since: Date(),
                         counters: ["frames_in": i, "frames_out": i, "bytes_in": i, "bytes_out": i, "dropped": 0],
                         latency: LatencyRecorder().snapshot)
        }
        let edges = (1..<100).map { EdgeSnapshot(from: "n\($0 - 1)", to: "n\($0)", queueSize: 8, policy: .block, depth: 0, maxDepth: 8, drops: [:]) }
        let s = GraphSnapshot(graph: "big", file: "/b.yaml", startedAt: Date(), uptimeSeconds: 1, stopping: false, nodes: nodes, edges: edges, reloads: ReloadStats())
        let exporter = MetricsExporter()
        _ = exporter.render(s)
        let clock = ContinuousClock()
        var best = Duration.seconds(100)
        var text = ""
        for _ in 0..<5 {
            let t = clock.measure { text = exporter.render(s) }
            best = min(best, t)
        }
        let m = try PrometheusText(text)
        #expect(m.all("mediarouter_node_frames_sent_total").count == 100)
        print("metrics: a scrape of 100 nodes renders in \(best) (best of 5)")
    }
}
