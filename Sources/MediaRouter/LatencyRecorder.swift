import Synchronization

/// Capture-to-output latency of one node as a histogram: fixed buckets in seconds, counted with
/// relaxed atomics on the frame path (one comparison walk and one add per sample).
public final class LatencyRecorder: Sendable {
    /// Upper bounds of the buckets, in seconds; a last bucket takes everything above.
    public static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private static let boundsNanoseconds: [Int64] = bounds.map { Int64($0 * 1e9) }

    private final class Bucket: Sendable {
        let count = Atomic<Int>(0)
    }

    private let buckets: [Bucket]
    private let total = Atomic<Int>(0)
    private let samples = Atomic<Int>(0)

    public init() {
        buckets = (0...Self.bounds.count).map { _ in Bucket() }
    }

    public func record(nanoseconds: Int64) {
        var i = 0
        let b = Self.boundsNanoseconds
        while i < b.count && nanoseconds > b[i] { i += 1 }
        buckets[i].count.add(1, ordering: .relaxed)
        total.add(Int(nanoseconds), ordering: .relaxed)
        samples.add(1, ordering: .relaxed)
    }

    public var count: Int { samples.load(ordering: .relaxed) }

    public var snapshot: LatencyHistogram {
        LatencyHistogram(bounds: Self.bounds, counts: buckets.map { $0.count.load(ordering: .relaxed) },
                         count: samples.load(ordering: .relaxed),
                         sum: Double(total.load(ordering: .relaxed)) / 1e9)
    }
}
