import Foundation

// How durations and byte counts read in logs, summaries and option descriptions.

public func formatDuration(_ seconds: Double) -> String {
    if seconds == 0 { return "0s" }
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    if seconds.truncatingRemainder(dividingBy: 86400) == 0 { return "\(Int(seconds / 86400))d" }
    if seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
    if seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
    return OptionType.fmt(seconds) + "s"
}

public func formatBytes(_ b: Int64) -> String {
    let units: [(Int64, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
    for (size, name) in units where b >= size {
        let v = Double(b) / Double(size)
        return v >= 100 ? String(format: "%.0f%@", v, name) : String(format: "%.1f%@", v, name)
    }
    return "\(b)B"
}
