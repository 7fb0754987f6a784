import Synchronization

/// Counters of one edge.
public final class EdgeCounters: Sendable {
    /// All drops, whatever the reason.
    public let dropped = Atomic<Int>(0)
    public let depth = Atomic<Int>(0)
    public let maxDepth = Atomic<Int>(0)
    private let byReason: [Atomic<Int>.Cell]

    public init() { byReason = EdgeDropReason.allCases.map { _ in Atomic<Int>.Cell() } }

    func drop(_ n: Int = 1, _ reason: EdgeDropReason) {
        dropped.add(n, ordering: .relaxed)
        byReason[reason.index].value.add(n, ordering: .relaxed)
    }

    public func dropped(_ reason: EdgeDropReason) -> Int { byReason[reason.index].value.load(ordering: .relaxed) }

    public var drops: [String: Int] {
        var d: [String: Int] = [:]
        for r in EdgeDropReason.allCases { let n = dropped(r); if n > 0 { d[r.rawValue] = n } }
        return d
    }
}

extension EdgeDropReason {
    var index: Int { Self.allCases.firstIndex(of: self)! }
}

extension Atomic where Value == Int {
    /// An atomic with a heap address, for arrays of counters.
    final class Cell: Sendable {
        let value = Atomic<Int>(0)
    }
}
