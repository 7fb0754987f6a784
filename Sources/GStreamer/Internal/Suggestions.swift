/// "Did you mean" for names typed by hand in configuration files.
enum Suggestions {
    /// The candidate closest to `name`, if it is close enough to be a plausible typo.
    /// Underscores count as hyphens because YAML users often write `key_int_max` for
    /// GStreamer's `key-int-max`.
    static func nearest(to name: String, in candidates: [String]) -> String? {
        let normalized = name.lowercased().replacingUnderscores()
        if let exact = candidates.first(where: { $0.lowercased().replacingUnderscores() == normalized }) {
            return exact
        }
        let limit = min(3, max(1, normalized.count / 3))
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(normalized, candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// Levenshtein distance over Unicode scalars.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.unicodeScalars), b = Array(rhs.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

private extension String {
    func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
