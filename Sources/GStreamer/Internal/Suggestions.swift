internal import Primitives

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
            let distance = editDistance(normalized.unicodeScalars, candidate.lowercased().unicodeScalars)
            if distance <= limit, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }
}

private extension String {
    func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
