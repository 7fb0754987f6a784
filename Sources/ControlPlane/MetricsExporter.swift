import Foundation
import MediaRouter
import Prometheus

/// Turns graph snapshots into the Prometheus text format through swift-prometheus.
///
/// Names are `mediarouter_…` in base units; counters end in `_total`. Labels are only `graph`,
/// `node`, `from`/`to` (edges) and `reason` (drops): never a peer address or key, so the
/// number of series stays the number of nodes and edges. Counters and gauges live in one
/// registry that each scrape brings up to date (a counter that went down, because its node was
/// removed and added again, starts again from zero, which Prometheus reads as a reset); series
/// of nodes that left the graph are removed. The latency histogram is written from the graph's
/// own buckets, in the same format, so that its sum is exact.
public final class MetricsExporter: Sendable {
    private struct Series: Sendable {
        var counters: [String: (Counter, Int)] = [:]
        var gauges: [String: Gauge] = [:]
    }
    private let registry = PrometheusCollectorRegistry()
    private let series = Locked(Series())

    /// Counters every node has, and the metric each becomes.
    static let standardCounters: [(key: String, metric: String, help: String)] = [
        ("frames_in", "mediarouter_node_frames_received_total", "Frames the node received"),
        ("frames_out", "mediarouter_node_frames_sent_total", "Frames the node emitted"),
        ("bytes_in", "mediarouter_node_received_bytes_total", "Payload bytes the node received"),
        ("bytes_out", "mediarouter_node_sent_bytes_total", "Payload bytes the node emitted"),
        ("lost", "mediarouter_node_lost_frames_total", "Frames a peer sent that never arrived (sequence gaps)"),
        ("errors", "mediarouter_node_errors_total", "Errors the node counted and survived"),
    ]

    public init() {}

    /// The text of one scrape.
    /// `extra` adds figures of the control plane itself: names ending in `_total` are
    /// counters, others gauges; a reason becomes the `reason` label.
    public func render(_ snapshot: GraphSnapshot, extra: [(name: String, reason: String?, value: Double)] = []) -> String {
        series.withLock { s -> String in
            var seen = Set<String>()
            let g = snapshot.graph
            func counter(_ name: String, _ labels: [(String, String)], _ value: Int, help: String) {
                let key = name + "\u{0}" + labels.map { $0.0 + "=" + $0.1 }.joined(separator: "\u{0}")
                seen.insert(key)
                if var entry = s.counters[key] {
                    if value < entry.1 { entry.0.reset(); entry.1 = 0 }
                    if value > entry.1 { entry.0.increment(by: Int64(value - entry.1)) }
                    entry.1 = value
                    s.counters[key] = entry
                } else {
                    let c = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                    if value > 0 { c.increment(by: Int64(value)) }
                    s.counters[key] = (c, value)
                }
            }
            func gauge(_ name: String, _ labels: [(String, String)], _ value: Double, help: String) {
                let key = name + "\u{0}" + labels.map { $0.0 + "=" + $0.1 }.joined(separator: "\u{0}")
                seen.insert(key)
                let gauge = s.gauges[key] ?? {
                    let made = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                    s.gauges[key] = made
                    return made
                }()
                gauge.set(value)
            }

            gauge("mediarouter_graph_uptime_seconds", [("graph", g)], snapshot.uptimeSeconds, help: "Seconds since the graph started")
            gauge("mediarouter_graph_nodes", [("graph", g)], Double(snapshot.nodes.count), help: "Nodes in the running graph")
            counter("mediarouter_graph_reloads_applied_total", [("graph", g)], snapshot.reloads.applied, help: "Reloads that changed the graph")
            counter("mediarouter_graph_reloads_unchanged_total", [("graph", g)], snapshot.reloads.unchanged, help: "Reloads that found nothing to change")
            counter("mediarouter_graph_reloads_failed_total", [("graph", g)], snapshot.reloads.failed, help: "Reloads refused because the new graph did not validate")
            for (name, reason, value) in extra {
                let labels = [("graph", g)] + (reason.map { [("reason", $0)] } ?? [])
                if name.hasSuffix("_total") {
                    counter(name, labels, Int(value), help: "The control plane's own count")
                } else {
                    gauge(name, labels, value, help: "The control plane's own level")
                }
            }

            for n in snapshot.nodes {
                let labels = [("graph", g), ("node", n.name)]
                for c in Self.standardCounters {
                    counter(c.metric, labels, n.counters[c.key] ?? 0, help: c.help)
                }
                counter("mediarouter_node_restarts_total", labels, n.restarts, help: "Times the node was started again after failing or ending")
                counter("mediarouter_node_replacements_total", labels, n.replacements, help: "Times a reload replaced the node with a new spec")
                var drops = n.drops
                let byReason = drops.values.reduce(0, +)
                if let all = n.counters["dropped"], all > byReason { drops["unspecified", default: 0] += all - byReason }
                for (reason, value) in drops {
                    counter("mediarouter_node_dropped_frames_total", labels + [("reason", Self.labelValue(reason))], value,
                            help: "Frames the node itself dropped, by reason")
                }
                for (key, value) in n.counters where !Self.standardKeys.contains(key) {
                    counter("mediarouter_node_" + Self.metricPart(key) + "_total", labels, value, help: "The \(n.kind) node's '\(key)' counter")
                }
                gauge("mediarouter_node_state", labels, Double(n.state.ordinal),
                      help: "Node state: " + NodeState.allCases.map { "\($0.ordinal) \($0.rawValue)" }.joined(separator: ", "))
                gauge("mediarouter_node_up", labels, n.state == .running ? 1 : 0, help: "1 when the node is running")
                var gauges = n.gauges
                if gauges["peers"] == nil, !n.peers.isEmpty || n.kind.hasPrefix("netgear") { gauges["peers"] = Double(n.peers.count) }
                for (key, value) in gauges {
                    gauge("mediarouter_node_" + Self.metricPart(key), labels, value, help: "The \(n.kind) node's '\(key)' level")
                }
            }
            for e in snapshot.edges {
                let labels = [("graph", g), ("from", e.from), ("to", e.to)]
                gauge("mediarouter_edge_queue_depth", labels, Double(e.depth), help: "Frames waiting on the edge")
                gauge("mediarouter_edge_queue_capacity", labels, Double(e.queueSize), help: "Frames the edge's queue holds")
                for (reason, value) in e.drops {
                    counter("mediarouter_edge_dropped_frames_total", labels + [("reason", Self.labelValue(reason))], value,
                            help: "Frames dropped on the edge, by reason")
                }
            }

            for (key, entry) in s.counters where !seen.contains(key) {
                registry.unregisterCounter(entry.0)
                s.counters[key] = nil
            }
            for (key, gauge) in s.gauges where !seen.contains(key) {
                registry.unregisterGauge(gauge)
                s.gauges[key] = nil
            }
            var text = registry.emitToString()
            text += Self.latencyHistograms(snapshot)
            return text
        }
    }

    static let standardKeys: Set<String> = Set(standardCounters.map(\.key)).union(["dropped"])

    /// `mediarouter_node_latency_seconds`, from each node's own buckets.
    static func latencyHistograms(_ snapshot: GraphSnapshot) -> String {
        let name = "mediarouter_node_latency_seconds"
        var out = ""
        for n in snapshot.nodes {
            guard let h = n.latency else { continue }
            if out.isEmpty {
                out += "# HELP \(name) Capture-to-output latency of the node's frames\n# TYPE \(name) histogram\n"
            }
            let labels = "graph=\"\(escape(snapshot.graph))\",node=\"\(escape(n.name))\""
            var cumulative = 0
            for (i, bound) in h.bounds.enumerated() {
                cumulative += i < h.counts.count ? h.counts[i] : 0
                out += "\(name)_bucket{\(labels),le=\"\(formatBound(bound))\"} \(cumulative)\n"
            }
            out += "\(name)_bucket{\(labels),le=\"+Inf\"} \(h.count)\n"
            out += "\(name)_sum{\(labels)} \(h.sum)\n"
            out += "\(name)_count{\(labels)} \(h.count)\n"
        }
        return out
    }

    static func formatBound(_ b: Double) -> String {
        b == b.rounded() ? String(format: "%.1f", b) : String(b)
    }

    /// A label value as the text format writes it.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// swift-prometheus escapes label values itself; only keep them to printable text.
    static func labelValue(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init).prefix(64))
    }

    /// A counter or gauge key as part of a metric name: `[a-z0-9_]`.
    static func metricPart(_ key: String) -> String {
        var out = ""
        for c in key.lowercased().unicodeScalars {
            if (c >= "a" && c <= "z") || (c >= "0" && c <= "9") { out.unicodeScalars.append(c) } else if !out.hasSuffix("_") { out += "_" }
        }
        let t = out.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        return t.isEmpty ? "value" : (t.first!.isNumber ? "n" + t : t)
    }
}
