/// A rational number as GStreamer uses it for frame rates and pixel aspect ratios: `30/1`,
/// `30000/1001`.
public struct Fraction: Hashable, Sendable, CustomStringConvertible {
    public var numerator: Int
    public var denominator: Int

    public init(_ numerator: Int, _ denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Parses `30/1` or a bare integer `30`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let numerator = parts.first.flatMap({ Int($0) }) else { return nil }
        if parts.count == 1 {
            self.init(numerator, 1)
        } else if parts.count == 2, let denominator = Int(parts[1]), denominator != 0 {
            self.init(numerator, denominator)
        } else {
            return nil
        }
    }

    /// The value as a Double (frames per second for a frame rate); NaN for a zero denominator.
    public var doubleValue: Double {
        denominator == 0 ? .nan : Double(numerator) / Double(denominator)
    }

    public var description: String { "\(numerator)/\(denominator)" }
}
