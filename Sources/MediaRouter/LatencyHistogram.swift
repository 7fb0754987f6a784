import Synchronization

/// A latency histogram as read at one moment.
public struct LatencyHistogram: Sendable, Codable, Equatable {
    /// Upper bounds in seconds; `counts` has one more entry, for samples above the last bound.
    public var bounds: [Double]
    /// Samples per bucket (not cumulative).
    public var counts: [Int]
    public var count: Int
    /// Sum of all samples in seconds.
    public var sum: Double

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    /// The value below which `q` (0...1) of the samples lie, at bucket resolution: the upper
    /// bound of the bucket that holds that sample (nil without samples).
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let target = max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (i, c) in counts.enumerated() {
            seen += c
            if seen >= target { return i < bounds.count ? bounds[i] : .infinity }
        }
        return .infinity
    }
}
