/// The Levenshtein distance between two sequences: the fewest insertions, deletions and
/// substitutions of single elements that turn `a` into `b`. The one implementation behind every
/// "did you mean" in the router; callers choose what an element is (characters, Unicode
/// scalars) and fold case themselves.
public func editDistance<A: Collection, B: Collection>(_ a: A, _ b: B) -> Int
where A.Element == B.Element, A.Element: Equatable {
    let a = Array(a), b = Array(b)
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
