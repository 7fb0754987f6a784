import Foundation
import MediaRouter

/// Figures per node over time, from one snapshot a second: frames per second, drops and
/// latency of the last second, and the last minute of them for the dashboard's sparklines.
final class RateSampler: Sendable {
    struct NodeSample: Codable, Sendable, Equatable {
        var fps: Double
        /// Frames dropped in the last second (by the node and on its input edges).
        var drops: Int
        /// Mean latency of the last second's frames, in seconds.
        var latency: Double?
    }

    /// One second of the graph, sent to the dashboard as a `stats` event.
    struct Sample: Codable, Sendable {
        var time: Date
        var nodes: [String: NodeSample]
        /// Totals since the start, so a page can show counters without asking again.
        var totals: [String: Totals]
    }

    struct Totals: Codable, Sendable, Equatable {
        var state: NodeState
        var frames: Int
        var drops: Int
        var peers: Int
    }

    static let historyLength = 60

    private struct Previous: Sendable {
        var at: ContinuousClock.Instant
        var frames: [String: Int]
        var drops: [String: Int]
        var latencyCount: [String: Int]
        var latencySum: [String: Double]
    }
    private struct State: Sendable {
        var previous: Previous?
        var history: [Sample] = []
        var subscribers: [Int: AsyncStream<Sample>.Continuation] = [:]
        var nextID = 0
    }
    private let state = Locked(State())

    init() {}

    /// Frames counted for a node's rate: what it emits, or for a sink what it receives.
    static func frames(_ n: NodeSnapshot) -> Int {
        n.role == "sink" ? (n.counters["frames_in"] ?? 0) : (n.counters["frames_out"] ?? 0)
    }

    static func drops(_ n: NodeSnapshot, _ snapshot: GraphSnapshot) -> Int {
        let own = max(n.drops.values.reduce(0, +), n.counters["dropped"] ?? 0)
        return own + snapshot.edges.filter { $0.to == n.name }.reduce(0) { $0 + $1.drops.values.reduce(0, +) }
    }

    /// Takes one sample; called once a second.
    @discardableResult
    func sample(_ snapshot: GraphSnapshot, at now: ContinuousClock.Instant = .now) -> Sample {
        let (sample, subscribers) = state.withLock { s -> (Sample, [AsyncStream<Sample>.Continuation]) in
            var frames: [String: Int] = [:], drops: [String: Int] = [:], lc: [String: Int] = [:], ls: [String: Double] = [:]
            var nodes: [String: NodeSample] = [:]
            var totals: [String: Totals] = [:]
            let seconds = s.previous.map { Double(($0.at.duration(to: now)).components.attoseconds) / 1e18 + Double(($0.at.duration(to: now)).components.seconds) } ?? 0
            for n in snapshot.nodes {
                let f = Self.frames(n), d = Self.drops(n, snapshot)
                frames[n.name] = f
                drops[n.name] = d
                lc[n.name] = n.latency?.count ?? 0
                ls[n.name] = n.latency?.sum ?? 0
                totals[n.name] = Totals(state: n.state, frames: f, drops: d, peers: n.peers.count)
                guard let p = s.previous, seconds > 0 else { continue }
                let df = max(0, f - (p.frames[n.name] ?? f))
                let dd = max(0, d - (p.drops[n.name] ?? d))
                let dc = (n.latency?.count ?? 0) - (p.latencyCount[n.name] ?? 0)
                let dsum = (n.latency?.sum ?? 0) - (p.latencySum[n.name] ?? 0)
                nodes[n.name] = NodeSample(fps: Double(df) / seconds, drops: dd, latency: dc > 0 ? dsum / Double(dc) : nil)
            }
            s.previous = Previous(at: now, frames: frames, drops: drops, latencyCount: lc, latencySum: ls)
            let sample = Sample(time: Date(), nodes: nodes, totals: totals)
            s.history.append(sample)
            if s.history.count > Self.historyLength { s.history.removeFirst(s.history.count - Self.historyLength) }
            return (sample, Array(s.subscribers.values))
        }
        for c in subscribers { c.yield(sample) }
        return sample
    }

    /// Frames per second of each node over the last second.
    var rates: [String: Double] {
        state.withLock { s in s.history.last.map { $0.nodes.mapValues(\.fps) } ?? [:] }
    }

    var history: [Sample] { state.withLock { $0.history } }

    func subscribe() -> AsyncStream<Sample> {
        let (stream, c) = AsyncStream<Sample>.makeStream(bufferingPolicy: .bufferingNewest(8))
        let id = state.withLock { s -> Int in
            s.nextID += 1
            s.subscribers[s.nextID] = c
            return s.nextID
        }
        c.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) } }
        return stream
    }

    func finish() {
        let subs = state.withLock { s -> [AsyncStream<Sample>.Continuation] in
            defer { s.subscribers.removeAll() }
            return Array(s.subscribers.values)
        }
        for c in subs { c.finish() }
    }
}
