import Synchronization

/// How a supervisor's first start is coordinated with the rest of a launch: every node starts
/// (consumers first) before any runs.
final class LaunchGate: Sendable {
    let go = Event()
    let aborted = Atomic<Bool>(false)

    /// A gate that is open at once (nodes added by a reload).
    static func open() -> LaunchGate {
        let g = LaunchGate()
        g.go.signal()
        return g
    }
}
