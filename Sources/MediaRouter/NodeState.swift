/// Where a node's supervisor is in its life.
public enum NodeState: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Being made and started (binding, opening, building its pipeline).
    case starting
    case running
    /// Failed or ended and waiting out its back-off before it starts again.
    case restarting
    /// Gave up: the error is in the node's `detail`.
    case failed
    /// Asked to stop: draining its input or finishing its file.
    case stopping
    case stopped

    public var description: String { rawValue }

    /// A number for gauges (Prometheus): the position in `allCases`.
    public var ordinal: Int { Self.allCases.firstIndex(of: self)! }
}
