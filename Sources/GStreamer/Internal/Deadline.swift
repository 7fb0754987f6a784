internal import CGStreamer

/// A point on the monotonic clock, so loops that re-wait after skipping a message keep the
/// caller's total timeout instead of restarting it.
struct Deadline {
    /// Microseconds on GLib's monotonic clock; nil means never.
    private let end: Int64?

    init(seconds: Double?) {
        guard let seconds else {
            end = nil
            return
        }
        let microseconds = max(0, seconds) * 1_000_000
        end = microseconds >= Double(Int64.max / 2) ? nil : Int64(g_get_monotonic_time()) + Int64(microseconds)
    }

    /// Seconds left (never negative), or nil for no limit.
    var remainingSeconds: Double? {
        guard let end else { return nil }
        return Double(max(0, end - Int64(g_get_monotonic_time()))) / 1_000_000
    }
}
