import Foundation

// Reading the unit-carrying values options accept: durations, byte sizes, frame rates.

public func parseDuration(_ text: String) -> Double? {
    let s = text.trimmingCharacters(in: .whitespaces).lowercased()
    if let d = Double(s) { return d }
    let units: [(String, Double)] = [("ms", 0.001), ("us", 0.000001), ("ns", 1e-9), ("s", 1), ("sec", 1), ("min", 60), ("m", 60), ("h", 3600), ("d", 86400)]
    for (u, f) in units.sorted(by: { $0.0.count > $1.0.count }) where s.hasSuffix(u) {
        let num = s.dropLast(u.count).trimmingCharacters(in: .whitespaces)
        if let d = Double(num) { return d * f }
    }
    return nil
}

public func parseByteSize(_ text: String) -> Int64? {
    let s = text.trimmingCharacters(in: .whitespaces)
    if let i = Int64(s), i >= 0 { return i }
    let units: [(String, Double)] = [
        ("KIB", 1024), ("MIB", 1_048_576), ("GIB", 1_073_741_824), ("TIB", 1_099_511_627_776),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12),
        ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("B", 1),
    ]
    let upper = s.uppercased()
    for (u, f) in units where upper.hasSuffix(u) {
        let num = upper.dropLast(u.count).trimmingCharacters(in: .whitespaces)
        if let d = Double(num), d >= 0, d.isFinite { return Int64(d * f) }
    }
    return nil
}

public func parseFramerate(_ text: String) -> (Int, Int)? {
    let s = text.trimmingCharacters(in: .whitespaces)
    if let i = Int(s) { return (i, 1) }
    let parts = s.split(separator: "/")
    if parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]) { return (n, d) }
    if let d = Double(s), d.isFinite, d > 0 {
        // 29.97 -> 30000/1001 and the like; otherwise milli-frames.
        for base in [24.0, 30.0, 48.0, 60.0, 120.0] where abs(d - base * 1000 / 1001) < 0.01 {
            return (Int(base) * 1000, 1001)
        }
        return (Int((d * 1000).rounded()), 1000)
    }
    return nil
}
