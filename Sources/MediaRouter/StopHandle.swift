/// How other threads ask a node to stop. A node lives on its own thread; only this handle
/// crosses to the supervisor, so a node's own state needs no locking and no `Sendable`.
public struct StopHandle: Sendable {
    private let action: @Sendable () -> Void

    /// `action` must touch only thread-safe state (an atomic flag, a wake pipe, a GStreamer
    /// element's state change, ...): it runs on another thread while the node runs.
    public init(_ action: @escaping @Sendable () -> Void) { self.action = action }

    /// A node with nothing to wake: it returns when its input ends.
    public static let none = StopHandle {}

    public func stop() { action() }
}
