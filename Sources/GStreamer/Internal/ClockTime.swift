internal import CGStreamer

/// Conversions between GStreamer's unsigned nanosecond clock times, where all bits set means
/// "none", and the public API's `Int64?` nanoseconds and `Double?` second timeouts.
enum ClockTime {
    /// GST_CLOCK_TIME_NONE is a cast macro Swift cannot import.
    static let none: GstClockTime = .max

    /// A timeout in seconds as a clock time: nil waits forever, negative or NaN means "now".
    static func timeout(seconds: Double?) -> GstClockTime {
        guard let seconds else { return none }
        guard seconds > 0 else { return 0 }
        let nanoseconds = seconds * 1_000_000_000
        return nanoseconds >= Double(Int64.max) ? none : GstClockTime(nanoseconds)
    }

    static func nanoseconds(_ time: GstClockTime) -> Int64? {
        time == none || time > GstClockTime(Int64.max) ? nil : Int64(time)
    }

    static func clockTime(nanoseconds: Int64?) -> GstClockTime {
        guard let nanoseconds, nanoseconds >= 0 else { return none }
        return GstClockTime(nanoseconds)
    }
}
