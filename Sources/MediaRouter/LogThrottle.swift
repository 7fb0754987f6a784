/// Lets a repeating message through at most once per interval and counts the ones held back,
/// so that a peer that keeps failing cannot flood the log.
public struct LogThrottle: Sendable {
    public static let interval: Int64 = 5_000_000_000

    private var last: Int64?
    private var held = 0

    public init() {}

    /// Nil while the message should stay quiet (it is counted); otherwise how many were held
    /// back since the last one let through.
    public mutating func admit(now: Int64 = Clock.monotonicNanoseconds()) -> Int? {
        if let last, now - last < Self.interval {
            held += 1
            return nil
        }
        defer { last = now; held = 0 }
        return held
    }
}
